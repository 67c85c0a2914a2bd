"""``python -m etrakit_tui``."""

from etrakit_tui.cli import main

if __name__ == "__main__":
    main()
