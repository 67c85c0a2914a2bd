"""Jurisdiction rules load from TOML; a bad file names the key and what is wrong."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from etrakit_tui.settings import ConfigError, Jurisdiction, Settings, load_jurisdiction


def test_defaults_are_hemets() -> None:
    j = Jurisdiction()
    assert j.name == "City of Hemet"
    assert j.time_zone == "America/Los_Angeles"
    assert j.cancel_cutoff == time(7, 0)
    assert j.cancel_refusal() == "call (951) 765-2475 after 7:30am"
    assert j.am_window.describe() == "8:30am-12:00pm"
    assert j.pm_window.describe() == "1:00pm-5:00pm"
    assert (j.lockout_attempts, j.lockout_minutes, j.expiry_days) == (5, 15, 180)


def test_toml_overrides_rules(tmp_path: Path) -> None:
    cfg = tmp_path / "city.toml"
    cfg.write_text(
        'name = "City of Elsewhere"\nslot_capacity = 3\npassword_policy = "etrakit"\n'
        'am_window = { start = "08:00", end = "11:30" }\n'
    )
    j = load_jurisdiction(cfg)
    assert j.name == "City of Elsewhere"
    assert j.slot_capacity == 3
    assert j.password_policy == "etrakit"
    assert j.am_window.start == time(8, 0)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("slot_capacity = -1\n", "slot_capacity: Input should be greater than or equal to 0"),
        ('time_zone = "Mars/Olympus"\n', "time_zone: Value error, unknown time zone"),
        ("colour = 1\n", "colour: unknown setting"),
        ('am_window = { start = "12:00", end = "08:00" }\n', "am_window: Value error, end must be"),
        ("name = \n", "not valid TOML"),
    ],
)
def test_bad_config_is_one_line_naming_the_key(tmp_path: Path, body: str, expected: str) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text(body)
    with pytest.raises(ConfigError) as info:
        load_jurisdiction(cfg)
    message = str(info.value)
    assert expected in message
    assert "\n" not in message


def test_missing_config_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_jurisdiction(tmp_path / "nope.toml")


def test_environment_names_database_and_config(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ETRAKIT_DATABASE_URL", "sqlite:////tmp/x.db")
    monkeypatch.setenv("ETRAKIT_CONFIG", str(tmp_path / "c.toml"))
    settings = Settings()
    assert settings.resolved_database_url() == "sqlite:////tmp/x.db"
    assert settings.resolved_database_url("sqlite:////tmp/y.db") == "sqlite:////tmp/y.db"
    assert settings.config == tmp_path / "c.toml"
