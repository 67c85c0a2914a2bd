"""Field validators shared by every form (profile, inspection request, staff forms).

Each validator takes the raw value and the field's name, and returns the normalised value
or raises :class:`ValidationFailed` ``{field: message}``. A form runs them all through a
:class:`FormErrors` collector, so the user sees every bad field at once::

    form = FormErrors()
    email = form.run(validate_email, raw.email, "email")
    phone = form.run(validate_us_phone, raw.phone, "phone")
    form.raise_if_any()          # ValidationFailed({"email": ..., "phone": ...})

Messages are written to be shown at the field as they are.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import ParamSpec, TypeVar

from etrakit_tui.domain.errors import ValidationFailed
from etrakit_tui.text import has_unsafe_characters

P = ParamSpec("P")
T = TypeVar("T")

NOT_ALLOWED = "contains characters that are not allowed (control or text-direction characters)"

# Two-letter codes of the 50 states, the District of Columbia and the inhabited territories.
_STATE_CODES = (
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "
    "NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR GU VI AS MP"
)
US_STATES: frozenset[str] = frozenset(_STATE_CODES.split())

_SURROGATES = re.compile("[\ud800-\udfff]")
_PHONE_CHARS = re.compile(r"[0-9()\-.\s+]*")
_ZIP = re.compile(r"(\d{5})(?:-?(\d{4}))?")
_EMAIL = re.compile(
    r"(?P<local>[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64})@"
    r"(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})"
)


def label_for(field: str) -> str:
    """``"license_no"`` -> ``"License no"``: the default name of a field in messages."""
    return field.replace("_", " ").strip().capitalize()


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed({field: message})


def clean_text(
    value: str | None,
    field: str,
    *,
    required: bool = False,
    max_len: int = 200,
    multiline: bool = False,
    label: str | None = None,
) -> str:
    """Strip ``value``; refuse control and bidi characters, a missing required value, or
    more than ``max_len`` characters. ``multiline`` keeps newlines (notes, comments)."""
    name = label or label_for(field)
    text = value or ""
    if multiline:
        text = text.replace("\r\n", "\n")
    # Checked before stripping: str.strip() would silently eat some C0/C1 characters.
    if has_unsafe_characters(text, allow_newlines=multiline) or _SURROGATES.search(text):
        raise _fail(field, f"{name} {NOT_ALLOWED}.")
    text = text.strip()
    if not text:
        if required:
            raise _fail(field, f"{name} is required.")
        return ""
    if len(text) > max_len:
        raise _fail(field, f"{name} must be at most {max_len} characters (now {len(text)}).")
    return text


def validate_email(
    value: str | None, field: str = "email", *, required: bool = True, label: str | None = None
) -> str:
    """An address like ``name@example.com``; the domain is lower-cased."""
    text = clean_text(value, field, required=required, max_len=254, label=label)
    if not text:
        return ""
    match = _EMAIL.fullmatch(text)
    local = match.group("local") if match else ""
    if match is None or local.startswith(".") or local.endswith(".") or ".." in local:
        raise _fail(field, "Enter an email address like name@example.com.")
    return f"{local}@{match.group('domain').lower()}"


def validate_us_phone(
    value: str | None, field: str = "phone", *, required: bool = True, label: str | None = None
) -> str:
    """A ten-digit US number in any usual spelling, normalised to ``(951) 765-2475``."""
    text = clean_text(value, field, required=required, max_len=30, label=label)
    if not text:
        return ""
    message = "Enter a 10-digit phone number like (951) 765-2475."
    if not _PHONE_CHARS.fullmatch(text):
        raise _fail(field, message)
    digits = re.sub(r"\D", "", text)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10:
        raise _fail(field, message)
    if digits[0] in "01" or digits[3] in "01":
        raise _fail(field, "That is not a valid US phone number (area code or exchange).")
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"


def validate_state(
    value: str | None, field: str = "state", *, required: bool = True, label: str | None = None
) -> str:
    """A two-letter US state or territory code, upper-cased (``ca`` -> ``CA``)."""
    text = clean_text(value, field, required=required, max_len=2, label=label).upper()
    if text and text not in US_STATES:
        raise _fail(field, "Enter a two-letter US state code like CA.")
    return text


def validate_zip(
    value: str | None, field: str = "zip", *, required: bool = True, label: str | None = None
) -> str:
    """``12345`` or ``12345-6789`` (``123456789`` and a bare trailing ``-`` are accepted)."""
    text = clean_text(value, field, required=required, max_len=10, label=label or "ZIP code")
    if not text:
        return ""
    match = _ZIP.fullmatch(text.removesuffix("-") if len(text) == 6 else text)
    if match is None:
        raise _fail(field, "Enter a ZIP code like 92543 or 92543-1234.")
    five, four = match.groups()
    return f"{five}-{four}" if four else five


class FormErrors:
    """Collects the first message of every bad field, then raises them all together."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def run(self, validator: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T | None:
        """Call ``validator``; on :class:`ValidationFailed` keep its messages, return None."""
        try:
            return validator(*args, **kwargs)
        except ValidationFailed as exc:
            self.merge(exc.errors)
            return None

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, message)

    def merge(self, errors: Mapping[str, str]) -> None:
        for field, message in errors.items():
            self.add(field, message)

    @property
    def ok(self) -> bool:
        return not self.errors

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)
