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


def test_payment_settings_default_to_no_online_payment_and_hemets_words() -> None:
    j = Jurisdiction()
    assert j.payment_url == ""
    assert j.payment_order_days == 7
    assert "payable to the City of Hemet" in j.payment_instructions
    assert "(951) 765-2475" in j.payment_instructions
    columns = j.settlement_columns
    assert (columns.order, columns.amount, columns.paid_at, columns.transaction) == (
        "Order Number",
        "Amount",
        "Paid At",
        "Transaction ID",
    )


def test_payment_settings_load_from_toml(tmp_path: Path) -> None:
    cfg = tmp_path / "city.toml"
    cfg.write_text(
        'payment_url = "https://pay.example.gov/hemet?ref={order}&amount={amount}"\n'
        "payment_order_days = 14\n"
        '[settlement_columns]\norder = "Reference"\ntransaction = "Txn"\n'
    )
    j = load_jurisdiction(cfg)
    assert j.payment_url == "https://pay.example.gov/hemet?ref={order}&amount={amount}"
    assert j.payment_order_days == 14
    assert (j.settlement_columns.order, j.settlement_columns.transaction) == ("Reference", "Txn")
    assert j.settlement_columns.amount == "Amount"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('payment_url = "http://pay.example.gov/{order}"\n', "payment_url: Value error, must be"),
        ('payment_url = "https://pay.example.gov/{ref}"\n', "only the placeholders {order}"),
        ('payment_url = "https://pay.example.gov/{order:>9}"\n', "only the placeholders"),
        ('payment_url = "https://pay.example.gov/{order"\n', "payment_url: Value error, bad"),
        ("payment_order_days = 0\n", "payment_order_days: Input should be greater than"),
        ("payment_order_days = 91\n", "payment_order_days: Input should be less than"),
        ('[settlement_columns]\namount = "Order Number"\n', "column names must differ"),
        ('[settlement_columns]\ncard = "PAN"\n', "settlement_columns.card: unknown setting"),
    ],
)
def test_bad_payment_settings_are_one_line_naming_the_key(
    tmp_path: Path, body: str, expected: str
) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text(body)
    with pytest.raises(ConfigError) as info:
        load_jurisdiction(cfg)
    assert expected in str(info.value)
    assert "\n" not in str(info.value)
