"""The SSH service: ``serve-ssh`` (asyncssh, one TUI process per connection on its own PTY) and
``ssh-shell`` (a ``ForceCommand`` entry point for a city's own OpenSSH server)."""

import warnings

# asyncssh still offers DSA keys (never used here: the host key is Ed25519); importing it makes
# cryptography warn about DSA at every start. Only that warning, only from asyncssh.
warnings.filterwarnings(
    "ignore",
    message="DSA is deprecated",
    category=UserWarning,  # cryptography's CryptographyDeprecationWarning is one
    module=r"asyncssh\.",
)
