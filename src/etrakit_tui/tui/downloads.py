"""Saving an attachment on the user's own computer (the portal run locally, never over SSH).

The only place a file is ever written: the user's Downloads folder
(``platformdirs.user_downloads_dir()``), under the attachment's own sanitised name. Nothing
the user types and nothing from the database chooses the folder. The file is created
exclusively and the last path component is never followed (``O_CREAT | O_EXCL |
O_NOFOLLOW`` relative to the opened folder), so an existing file or link is never written
through or replaced: the next free name is taken instead (``report (2).pdf``). The folder is
never created. Imports neither textual nor rich.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

import platformdirs

from etrakit_tui.domain.errors import EtrakitError
from etrakit_tui.filenames import numbered, safe_filename

MAX_COPIES = 999
"""``name (999).ext`` is the last name tried before giving up."""
FILE_MODE = 0o600


class SaveRefused(EtrakitError):
    """Nothing was written; ``str()`` says why, for the user (an :class:`EtrakitError`, so
    the one worker helper hands it to the screen like a domain refusal)."""


def downloads_dir() -> Path:
    """The user's Downloads folder (``XDG_DOWNLOAD_DIR`` from ``user-dirs.dirs``, else
    ``~/Downloads``); it may not exist."""
    return Path(platformdirs.user_downloads_dir())


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _open_folder(folder: Path) -> int:
    try:
        return os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise SaveRefused(
            f"Your Downloads folder {folder} does not exist; create it and save again."
        ) from None
    except NotADirectoryError:
        raise SaveRefused(f"{folder} (your Downloads folder) is not a folder.") from None
    except OSError as exc:
        raise SaveRefused(f"Cannot open your Downloads folder {folder}: {_reason(exc)}.") from None


def _create(folder_fd: int, base: str) -> tuple[str, int]:
    """The first free name of ``base``, ``base (2)``... created empty; its name and fd."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    for n in range(1, MAX_COPIES + 1):
        name = numbered(base, n)
        try:
            return name, os.open(name, flags, FILE_MODE, dir_fd=folder_fd)
        except FileExistsError:
            continue  # a file, folder or link of that name: never touched, try the next
        except OSError as exc:
            if exc.errno == errno.ELOOP:  # a link (systems that report it so)
                continue
            raise
    raise SaveRefused(f"Too many copies of {base} in your Downloads folder.")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def save_download(filename: str, data: bytes, folder: Path | None = None) -> Path:
    """Write ``data`` as a new file in the Downloads folder (``folder``: that folder, for
    tests) under ``safe_filename(filename)``, numbered if taken; returns the path written.
    Every failure is a :class:`SaveRefused` in words, and leaves no file behind."""
    where = folder if folder is not None else downloads_dir()
    base = safe_filename(filename)
    folder_fd = _open_folder(where)
    try:
        try:
            name, fd = _create(folder_fd, base)
        except OSError as exc:
            raise SaveRefused(f"Cannot save in {where}: {_reason(exc)}.") from None
        try:
            _write_all(fd, data)
            os.fsync(fd)
        except OSError as exc:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=folder_fd)
            raise SaveRefused(f"Could not save {name} in {where}: {_reason(exc)}.") from None
        os.close(fd)
        return where / name
    finally:
        os.close(folder_fd)
