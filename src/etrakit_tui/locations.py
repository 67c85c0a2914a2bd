"""The few settings the portal needs before anything heavy is imported: the program's name,
where its default database lives, the default jurisdiction's name, and a plain look-up of
``ETRAKIT_*`` environment variables.

:mod:`etrakit_tui.settings` (pydantic) re-exports these; this module imports only the
standard library and ``platformdirs`` so the sign-in screen can be drawn without pydantic.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "etrakit-tui"
ENV_PREFIX = "ETRAKIT_"
DEFAULT_JURISDICTION_NAME = "City of Hemet"
"""The name of the default jurisdiction (``Jurisdiction().name``)."""


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_database_url() -> str:
    return f"sqlite:///{default_data_dir() / 'etrakit.db'}"


def env_setting(name: str) -> str | None:
    """``ETRAKIT_<name>`` from the environment, matched without regard to case (as
    :class:`etrakit_tui.settings.Settings` reads it), or ``None`` if unset."""
    wanted = f"{ENV_PREFIX}{name}".casefold()
    for key, value in os.environ.items():
        if key.casefold() == wanted:
            return value
    return None
