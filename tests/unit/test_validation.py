"""Field validators: dangerous characters refused at the door, usual spellings normalised."""

from __future__ import annotations

import pytest

from etrakit_tui.domain.errors import ValidationFailed
from etrakit_tui.domain.validation import (
    FormErrors,
    clean_text,
    validate_email,
    validate_state,
    validate_us_phone,
    validate_zip,
)


def message(exc: pytest.ExceptionInfo[ValidationFailed], field: str) -> str:
    assert set(exc.value.errors) == {field}
    return exc.value.errors[field]


@pytest.mark.parametrize(
    "bad",
    [
        "ACME\x1b[2J ELECTRIC",  # ESC: clears the screen
        "ACME\x1b]52;c;aGk=\x07",  # OSC 52: writes the clipboard
        "nul\x00byte",
        "bell\x07",
        "tab\tinside",
        "line\nbreak",
        "del\x7f",
        "c1 csi \x9b31m",
        "c1 nel\x85",
        "right-to-left \u202eoverride",
        "isolate \u2066x\u2069",
        "mark \u200f",
        "arabic mark \u061c",
    ],
)
def test_control_and_bidi_characters_are_refused_with_a_message(bad: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        clean_text(bad, "name", required=True, max_len=120)
    assert "contains characters that are not allowed" in message(exc, "name")


def test_text_is_stripped_required_and_bounded() -> None:
    assert clean_text("  445 E. Florida Ave  ", "address", required=True) == "445 E. Florida Ave"
    assert clean_text("   ", "fax") == ""
    with pytest.raises(ValidationFailed) as missing:
        clean_text("   ", "address", required=True)
    assert message(missing, "address") == "Address is required."
    with pytest.raises(ValidationFailed) as long:
        clean_text("x" * 81, "city", max_len=80)
    assert "at most 80" in message(long, "city")


def test_multiline_text_keeps_newlines_but_not_escapes() -> None:
    assert clean_text("gate code 1234\r\nback yard", "notes", multiline=True) == (
        "gate code 1234\nback yard"
    )
    with pytest.raises(ValidationFailed):
        clean_text("ok\n\x1b[31mred", "notes", multiline=True)


@pytest.mark.parametrize(
    "spelling",
    [
        "(951) 765-2475",
        "951-765-2475",
        "9517652475",
        "951.765.2475",
        "+1 951 765 2475",
        "1 (951) 765-2475",
    ],
)
def test_phone_numbers_are_normalised(spelling: str) -> None:
    assert validate_us_phone(spelling) == "(951) 765-2475"


@pytest.mark.parametrize(
    "bad",
    ["765-2475", "951-765-24755", "951-765-247a", "(051) 765-2475", "951-165-2475", "call me"],
)
def test_bad_phone_numbers_are_refused(bad: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        validate_us_phone(bad, "cell", label="Cell phone")
    assert message(exc, "cell")


def test_optional_phone_may_be_blank() -> None:
    assert validate_us_phone("", "fax", required=False) == ""
    with pytest.raises(ValidationFailed):
        validate_us_phone("", "phone")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("92543", "92543"),
        ("92543-1234", "92543-1234"),
        ("925431234", "92543-1234"),
        (" 92543- ", "92543"),
    ],
)
def test_zip_codes(raw: str, clean: str) -> None:
    assert validate_zip(raw) == clean


@pytest.mark.parametrize("bad", ["9254", "92543-12", "ABCDE", "92543 1234"])
def test_bad_zip_codes_are_refused(bad: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        validate_zip(bad)
    assert "ZIP code like 92543" in message(exc, "zip")


def test_states_are_two_letter_codes() -> None:
    assert validate_state("ca") == "CA"
    assert validate_state(" PR ") == "PR"
    assert validate_state("dc") == "DC"
    for bad in ("XX", "Calif", "C"):
        with pytest.raises(ValidationFailed):
            validate_state(bad)


def test_email_addresses() -> None:
    assert validate_email(" Sam.Retmier@CityOfHemet.ORG ") == "Sam.Retmier@cityofhemet.org"
    assert validate_email("", required=False) == ""
    for bad in (
        "no-at-sign",
        "a@b",
        "a@@b.com",
        "a b@c.com",
        "a..b@c.com",
        ".a@c.com",
        "a@-c.com",
        "x" * 65 + "@c.com",
    ):
        with pytest.raises(ValidationFailed):
            validate_email(bad)


def test_a_form_collects_every_bad_field_at_once() -> None:
    form = FormErrors()
    assert form.run(validate_state, "ca", "state") == "CA"
    assert form.run(validate_zip, "1", "zip") is None
    assert form.run(validate_email, "nope", "email") is None
    assert form.run(clean_text, "\x1b", "city") is None
    form.add("zip", "second message for the same field is dropped")
    assert not form.ok
    with pytest.raises(ValidationFailed) as exc:
        form.raise_if_any()
    assert set(exc.value.errors) == {"zip", "email", "city"}
    assert "ZIP code" in exc.value.errors["zip"]
