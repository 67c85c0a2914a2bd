"""FormField: one labelled, validated field of a form.

A field is a row — its label (with ``*`` when required) and one control (a
:class:`SafeInput`, a ``Select`` or a ``Switch``) — and an error line under it that shows
a domain message in words ("Error: Enter an email address like name@example.com.").
Fields are one line high so a whole form fits at 80x24; the focused field's label is shown
in reverse video, so the focus is visible without colour. Control and text-direction
characters typed or pasted into a :class:`SafeInput` are refused at once, with a message
at the field: Textual's ``Input`` would show them raw, and so write them to the terminal.
Domain refusals reach the right field by name::

    show_errors(self, exc.errors)        # ValidationFailed.errors: field -> message
    show_errors(self, {exc.field or "": str(exc)})   # a RuleViolation

Every piece of data reaches the screen through :mod:`etrakit_tui.tui.safe`; values put into
an ``Input`` are defused first (control characters would otherwise reach the terminal).

The app's stylesheet (``tui/styles/focus.tcss``) takes the border off one-line controls (the
app's ``*:focus`` border would swallow the line) and shows the focused control reversed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import Reactive
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static, Switch

from etrakit_tui.text import defuse, has_unsafe_characters
from etrakit_tui.tui.safe import inert, inert_text
from etrakit_tui.tui.widgets.footer import PortalFooter

ERROR_PREFIX = "Error: "
LABEL_WIDTH = 22


def _unsafe(text: str) -> bool:
    """Control, bidi, line/paragraph separators and lone surrogates: never entered."""
    return has_unsafe_characters(text) or any(
        unicodedata.category(ch) in ("Zl", "Zp", "Cs") for ch in text
    )


class SafeInput(Input):
    """An ``Input`` that refuses control and text-direction characters at the door.

    Textual's ``Input`` shows its value as it is, so an ESC pasted into it would reach the
    terminal before any save could refuse it. Here such text is never entered: the bell
    rings and :class:`SafeInput.Refused` tells the field why (so does text over
    ``max_length``, which ``Input`` refuses silently)."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), repaint=True)
    """``Widget.virtual_size`` without its layout refresh. ``Input`` sets its virtual width
    to the text's at every key, and a layout refresh lays the whole screen out again: about
    half of what a keystroke cost (each echo over SSH waits for it). A one-line input has
    no scroll bars to lay out; its scrolling reads the size itself."""

    class Refused(Message):
        """Text was not entered: ``reason`` is ``"control"`` or ``"length"``."""

        def __init__(self, source: SafeInput, reason: str) -> None:
            super().__init__()
            self.source = source
            self.reason = reason

        @property
        def control(self) -> SafeInput:
            return self.source

    def replace(self, text: str, start: int, end: int) -> None:
        if _unsafe(text):
            self.app.bell()
            self.post_message(self.Refused(self, "control"))
            return
        super().replace(text, start, end)

    def restricted(self) -> None:
        super().restricted()
        self.post_message(self.Refused(self, "length"))


class FormField(Widget):
    """A label, a control and an error line. ``field`` is the domain's name for the field
    (``"email"``, ``"contact_phone"``, ``"requested_date"``...)."""

    DEFAULT_CSS = """
    FormField { height: auto; width: 1fr; layout: grid; grid-rows: auto; }
    FormField > .form-field--label { height: 1; width: 1fr; }
    /* Textual restyles a node's children on a focus change only when the node itself has
       a :focus-within rule: this one (a no-op) makes the label below follow the focus. */
    FormField:focus-within { height: auto; }
    FormField:focus-within > .form-field--label { text-style: bold reverse; }
    FormField > .form-field--control { width: 1fr; }
    FormField > .form-field--after { width: auto; height: 1; padding: 0 1; }
    FormField > .form-field--error { height: auto; display: none; text-style: bold; }
    FormField.-has-error > .form-field--error { display: block; }
    """

    def __init__(
        self,
        label: str,
        control: Widget,
        *,
        field: str,
        required: bool = False,
        after: Widget | None = None,
        label_width: int = LABEL_WIDTH,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id or f"field-{field}")
        self.field = field
        self.required = required
        self.label = label
        self.control = control
        self.after = after
        self.label_width = label_width
        self._error = ""
        self._refused = False
        control.add_class("form-field--control")

    def compose(self) -> ComposeResult:
        # One grid, no nested containers (fewer widgets: faster to style at 80x24 over SSH):
        # label | control | [after], then the error line across the whole row.
        columns = 3 if self.after is not None else 2
        self.styles.grid_size_columns = columns
        self.styles.grid_columns = f"{self.label_width} 1fr auto"
        text = f"{'* ' if self.required else '  '}{self.label}:"
        yield Label(inert(text), classes="form-field--label")
        yield self.control
        if self.after is not None:
            self.after.add_class("form-field--after")
            yield self.after
        error = Static("", classes="form-field--error")
        error.styles.column_span = columns
        error.styles.padding = (0, 0, 0, self.label_width)
        yield error

    # ------------------------------------------------------------------ errors

    @property
    def error(self) -> str:
        """The message shown at the field ('' when none)."""
        return self._error

    def set_error(self, message: str | None) -> None:
        """Show ``message`` at the field (``None`` or '' clears it)."""
        self._error = message or ""
        self.set_class(bool(self._error), "-has-error")
        line = self.query_one(".form-field--error", Static)
        line.update(inert(f"{ERROR_PREFIX}{self._error}" if self._error else ""))

    def on_safe_input_refused(self, event: SafeInput.Refused) -> None:
        """Say at the field why typed or pasted text was not entered."""
        event.stop()
        if event.reason == "control":
            words = (
                f"{self.label} cannot contain control or text-direction characters "
                "(such as ESC); that text was not entered."
            )
        else:
            words = (
                f"{self.label} holds at most {event.source.max_length} characters; "
                "that text was not entered."
            )
        self.set_error(words)
        self._refused = True

    def on_input_changed(self, event: Input.Changed) -> None:
        """A good edit after a refusal clears the refusal's message."""
        if self._refused:
            self._refused = False
            self.set_error(None)

    # ------------------------------------------------------------------ values

    @property
    def value(self) -> Any:
        """The control's value: ``str`` (Input), ``bool`` (Switch), the option's value or
        ``None`` (Select)."""
        control = self.control
        if isinstance(control, Input):
            return control.value
        if isinstance(control, Switch):
            return control.value
        if isinstance(control, Select):
            return None if control.is_blank() else control.value
        raise TypeError(f"unsupported control {type(control).__name__}")

    @property
    def text(self) -> str:
        """The value of a text field (empty for anything else)."""
        value = self.value
        return value if isinstance(value, str) else ""

    def focus_control(self) -> None:
        self.control.focus()


# ---------------------------------------------------------------------- controls


def text_input(
    value: object = "",
    *,
    max_length: int = 200,
    password: bool = False,
    placeholder: str = "",
    id: str | None = None,
) -> SafeInput:
    """A one-line :class:`SafeInput`; the initial value (data) is defused before it is
    shown."""
    return SafeInput(
        value=defuse(value),
        password=password,
        max_length=max_length,
        placeholder=placeholder,
        compact=True,
        id=id,
    )


class Choice(Select[Any]):
    """A one-line ``Select`` whose options are inert; Enter opens the list as usual, and
    Left/Right step to the previous/next option without opening it (quick with gloves,
    and cheap over a slow link)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right", "step(1)", "Next choice", show=False),
        Binding("left", "step(-1)", "Previous choice", show=False),
    ]

    def __init__(
        self,
        options: Iterable[tuple[object, Any]],
        *,
        prompt: str,
        value: Any,
        allow_blank: bool,
        id: str | None,
    ) -> None:
        pairs = list(options)
        super().__init__(
            [(inert_text(words), v) for words, v in pairs],
            prompt=prompt,
            value=value,
            allow_blank=allow_blank,
            compact=True,
            id=id,
        )
        self.values: list[Any] = [v for _, v in pairs]

    def set_choices(self, options: Iterable[tuple[object, Any]]) -> None:
        """Replace the options (each made inert)."""
        pairs = list(options)
        self.values = [v for _, v in pairs]
        self.set_options([(inert_text(words), v) for words, v in pairs])

    def action_step(self, step: int) -> None:
        """Choose the next (``1``) or previous (``-1``) option, stopping at the ends."""
        if not self.values:
            return
        if self.is_blank() or self.value not in self.values:
            index = 0 if step > 0 else len(self.values) - 1
        else:
            index = min(max(self.values.index(self.value) + step, 0), len(self.values) - 1)
        self.value = self.values[index]


def choice(
    options: Iterable[tuple[object, Any]],
    *,
    prompt: str = "Select",
    value: Any = Select.NULL,
    allow_blank: bool = True,
    id: str | None = None,
) -> Choice:
    """A one-line :class:`Choice`; every option's words are made inert."""
    return Choice(options, prompt=prompt, value=value, allow_blank=allow_blank, id=id)


def set_choices(select: Select[Any], options: Iterable[tuple[object, Any]]) -> None:
    """Replace a ``Select``'s options (each made inert)."""
    if isinstance(select, Choice):
        select.set_choices(options)
    else:
        select.set_options([(inert_text(words), v) for words, v in options])


# ---------------------------------------------------------------------- footer


FormFooter = PortalFooter
"""The portal's footer (see :mod:`etrakit_tui.tui.widgets.footer`): keys by priority."""


# ---------------------------------------------------------------------- forms


def fields_of(root: Widget) -> dict[str, FormField]:
    """Every field under ``root``, by domain field name."""
    return {f.field: f for f in root.query(FormField)}


def clear_errors(root: Widget) -> None:
    """Clear every field's message under ``root``."""
    for f in root.query(FormField):
        f.set_error(None)


def show_errors(root: Widget, errors: Mapping[str, str]) -> dict[str, str]:
    """Show each message at its field under ``root``; the first such field (in form order)
    takes the focus. Returns the messages that name no field here (shown elsewhere); use
    the name ``""`` for a message that belongs to no field."""
    left = dict(errors)
    first: FormField | None = None
    for target in root.query(FormField):
        message = left.pop(target.field, None)
        if message is None:
            continue
        target.set_error(message)
        first = first or target
    if first is not None:
        first.focus_control()
    return left
