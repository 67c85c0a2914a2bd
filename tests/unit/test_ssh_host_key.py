"""``serve-ssh``'s host key: made on first start where no other local user can read it, and
kept (same key on the next start)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from etrakit_tui.settings import ConfigError
from etrakit_tui.ssh.server import load_or_create_host_key


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_first_start_makes_a_private_key_in_a_private_folder(tmp_path: Path) -> None:
    path = tmp_path / "data" / "etrakit-tui" / "ssh_host_ed25519_key"
    key, created = load_or_create_host_key(path)
    assert created
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    again, created_again = load_or_create_host_key(path)
    assert not created_again
    assert again.get_fingerprint() == key.get_fingerprint()


def test_an_unusable_key_file_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "ssh_host_ed25519_key"
    path.write_text("not a key\n")
    with pytest.raises(ConfigError, match="not a usable SSH host key"):
        load_or_create_host_key(path)
