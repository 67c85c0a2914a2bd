"""Password policies (SPEC §4): which passwords a company or staff account may choose.

* ``default`` — OWASP ASVS 5.0 §6.2: 8 to 128 characters of any kind (counted as Unicode
  code points), and not among the common passwords shipped in ``data/common-passwords.txt``
  (compared case-insensitively).
* ``etrakit`` — the portal guide's own rule, "(6 to 15 letters/numbers only)".

``policy_for(jurisdiction)`` gives the active policy; ``describe()`` is the rule in words
for the form, ``check(password)`` the message to show at the field, or None when it is fine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Protocol

from etrakit_tui.settings import Jurisdiction

COMMON_PASSWORDS_FILE = "common-passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower case; read once, on first use."""
    text = (
        resources.files("etrakit_tui.domain.accounts")
        .joinpath("data", COMMON_PASSWORDS_FILE)
        .read_text(encoding="utf-8")
    )
    return frozenset(
        line.lower() for line in text.splitlines() if line and not line.startswith("#")
    )


def is_common(password: str) -> bool:
    return password.lower() in common_passwords()


class PasswordPolicy(Protocol):
    """What every policy offers the forms and the services."""

    @property
    def name(self) -> str: ...

    def describe(self) -> str: ...

    def check(self, password: str) -> str | None: ...


@dataclass(frozen=True, slots=True)
class LengthPolicy:
    """ASVS 5.0 §6.2: any characters, a length range, and no common password."""

    name: str = "default"
    min_length: int = 8
    max_length: int = 128

    def describe(self) -> str:
        return (
            f"{self.min_length} to {self.max_length} characters of any kind "
            "(spaces and symbols welcome); not a commonly used password"
        )

    def check(self, password: str) -> str | None:
        length = len(password)  # code points, not bytes
        if length == 0:
            return "Enter a password."
        if length < self.min_length:
            return f"Use at least {self.min_length} characters (this one has {length})."
        if length > self.max_length:
            return f"Use at most {self.max_length} characters (this one has {length})."
        if is_common(password):
            return "This password is too common and easy to guess: choose another."
        return None


_LETTERS_DIGITS = re.compile(r"[A-Za-z0-9]*")


@dataclass(frozen=True, slots=True)
class LettersDigitsPolicy:
    """The portal guide's rule: "(6 to 15 letters/numbers only)"."""

    name: str = "etrakit"
    min_length: int = 6
    max_length: int = 15

    def describe(self) -> str:
        return f"{self.min_length} to {self.max_length} letters/numbers only"

    def check(self, password: str) -> str | None:
        if not password:
            return "Enter a password."
        if not _LETTERS_DIGITS.fullmatch(password):
            return "Use letters and numbers only (no spaces or symbols)."
        if not self.min_length <= len(password) <= self.max_length:
            return (
                f"Use {self.min_length} to {self.max_length} letters/numbers "
                f"(this one has {len(password)})."
            )
        return None


POLICIES: dict[str, PasswordPolicy] = {
    "default": LengthPolicy(),
    "etrakit": LettersDigitsPolicy(),
}


def policy_for(jurisdiction: Jurisdiction) -> PasswordPolicy:
    """The policy the jurisdiction's settings name (``password_policy``)."""
    return POLICIES[jurisdiction.password_policy]
