"""Password policies at their edges (SPEC §4: ASVS 5.0 §6.2 default, the guide's preset)."""

from __future__ import annotations

import pytest

from etrakit_tui.domain.accounts.passwords import common_passwords, is_common, policy_for
from etrakit_tui.settings import Jurisdiction

DEFAULT = policy_for(Jurisdiction())
ETRAKIT = policy_for(Jurisdiction(password_policy="etrakit"))


def test_the_default_policy_is_asvs_and_says_so() -> None:
    assert DEFAULT.name == "default"
    assert "8 to 128 characters" in DEFAULT.describe()
    assert "common" in DEFAULT.describe()


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("Kq9#vLm", False),  # 7
        ("Kq9#vLm2", True),  # 8
        ("x" * 127 + "!", True),  # 128
        ("x" * 128 + "!", False),  # 129
        ("wörter ü", True),  # 8 code points, 10 bytes: counted as 8
        ("ümläüt", False),  # 6 code points, 10 bytes: still too short
        ("  spaces and symbols ~!  ", True),  # any kind of character
    ],
)
def test_default_length_edges(password: str, ok: bool) -> None:
    problem = DEFAULT.check(password)
    assert (problem is None) is ok, problem


def test_default_messages_say_what_is_wrong() -> None:
    assert DEFAULT.check("") == "Enter a password."
    assert "at least 8" in (DEFAULT.check("abc12") or "")
    assert "at most 128" in (DEFAULT.check("y" * 129) or "")


@pytest.mark.parametrize(
    "password", ["password", "iloveyou", "PASSWORD1", "Qwertyuiop", "12345678"]
)
def test_common_passwords_are_refused_whatever_their_case(password: str) -> None:
    assert "too common" in (DEFAULT.check(password) or "")


def test_the_shipped_list_is_real_and_loaded_once() -> None:
    words = common_passwords()
    assert len(words) >= 5000
    for classic in ("password", "123456", "qwerty", "letmein", "iloveyou", "password1"):
        assert classic in words
    assert common_passwords() is words
    assert is_common("LetMeIn") and not is_common("hemetdemo1")


def test_the_etrakit_preset_is_the_guides_rule() -> None:
    assert ETRAKIT.name == "etrakit"
    assert ETRAKIT.describe() == "6 to 15 letters/numbers only"


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("abc12", False),  # 5
        ("abc123", True),  # 6 (the guide's rule has no common-password list)
        ("A1b2C3d4E5f6G7h", True),  # 15
        ("A1b2C3d4E5f6G7h8", False),  # 16
        ("abc12!", False),  # a symbol
        ("abc 123", False),  # a space
    ],
)
def test_etrakit_edges(password: str, ok: bool) -> None:
    problem = ETRAKIT.check(password)
    assert (problem is None) is ok, problem


def test_etrakit_messages_say_what_is_wrong() -> None:
    assert "letters and numbers only" in (ETRAKIT.check("abc12!") or "")
    assert "6 to 15" in (ETRAKIT.check("abc12") or "")
