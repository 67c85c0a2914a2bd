"""PlainButton: Textual's ``Button`` as the portal shows it, with a fifth of its styles.

Textual's ``Button`` brings 7k characters of default CSS (flat, compact, and five variants
in two looks each) that Textual parses before it can draw the first screen holding one. A
``PlainButton`` is a ``Button`` (same keys, ``Button.Pressed``, the press effect) that does
not inherit that CSS: its own rules below give the default look of the two variants the
portal uses, ``default`` and ``primary``, in a colour theme and in a theme of terminal
(ANSI) colours, with the same values as Textual's, so it looks the same. The focus is shown
as every other control's is (reverse video, ``styles/focus.tcss``'s rule for ``Button``).
"""

from __future__ import annotations

from textual.widgets import Button


class PlainButton(Button, inherit_css=False):
    """A ``Button`` in the ``default`` or ``primary`` variant, with only their styles."""

    DEFAULT_CSS = """
    PlainButton {
        width: auto;
        min-width: 16;
        height: auto;
        line-pad: 1;
        text-align: center;
        content-align: center middle;
        pointer: pointer;
        text-style: bold;
        color: $button-foreground;
        background: $surface;
        border: none;
        border-top: tall $surface-lighten-1;
        border-bottom: tall $surface-darken-1;
        &:disabled { text-opacity: 0.6; pointer: not-allowed; }
        &:focus { text-style: bold reverse; background-tint: $foreground 5%; }
        &:hover { border-top: tall $surface; background: $surface-darken-1; }
        &.-active {
            background: $surface;
            border-bottom: tall $surface-lighten-1;
            border-top: tall $surface-darken-1;
            tint: $background 30%;
        }
        &.-primary {
            color: $button-color-foreground;
            background: $primary;
            border-top: tall $primary-lighten-3;
            border-bottom: tall $primary-darken-3;
            &:hover { background: $primary-darken-2; border-top: tall $primary; }
            &.-active {
                background: $primary;
                border-bottom: tall $primary-lighten-3;
                border-top: tall $primary-darken-3;
            }
        }
        &:ansi {
            border: tall $border-blurred;
            background: ansi_default;
            &:disabled {
                text-opacity: 1;
                text-style: bold dim;
                border: tall $border-blurred !important;
                background: ansi_default !important;
            }
            &:hover { background: $ansi-background; border: tall $border; }
            &.-active {
                background: $ansi-background !important;
                border: blank $background !important;
                tint: transparent;
            }
            &.-primary {
                color: $primary;
                border: tall $primary;
                background: ansi_default;
                &:hover { background: $ansi-background; }
            }
        }
    }
    """
