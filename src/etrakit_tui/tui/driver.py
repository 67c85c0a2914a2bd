"""The portal's terminal driver on Linux and macOS: Textual's ``LinuxDriver`` whose input
thread sleeps until there is something to read.

Textual's input thread wakes ten times a second to see whether it should stop (``select``
with a 0.1 s timeout). One session does not notice; a server holding 300 signed-in SSH
sessions spent over a quarter of a core on those wake-ups alone (measured: 0.9 ms of CPU per
idle session per second), time taken from the sessions that are typing.

Here the thread waits on the terminal and on a pipe of its own, with no timeout unless the
key parser is waiting to tell a lone Escape from the start of a sequence (then until that
moment). Stopping input (quitting, suspending, signing off) sets the driver's exit event,
which writes to the pipe: the thread wakes at once, as before. At the end of input (the
terminal hung up) the thread stops reading the terminal and waits for the pipe, instead of
finding it readable again and again (a terminal whose other side closed reads as its end,
not as an error for the app to report).
"""

from __future__ import annotations

import contextlib
import os
import selectors
import threading
from codecs import getincrementaldecoder
from typing import TYPE_CHECKING, Any

from textual._time import get_time
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

if TYPE_CHECKING:
    from textual.app import App

READ_SIZE = 4096
FALLBACK_WAIT = 0.1
"""Seconds between looks at the key parser when it does not say when it times out (a
Textual whose parser has no ``_timeout_time``): Textual's own interval."""


class _WakingEvent(threading.Event):
    """The driver's exit event: setting it also wakes the input thread (a byte on its pipe)."""

    def __init__(self, wake_fd: int) -> None:
        super().__init__()
        self._wake_fd = wake_fd

    def set(self) -> None:
        super().set()
        with contextlib.suppress(OSError):  # full (it is awake already) or closed (it ended)
            os.write(self._wake_fd, b"\0")


class PortalDriver(LinuxDriver):
    """``LinuxDriver`` with an input thread that is woken, not polling."""

    def __init__(
        self,
        app: App[Any],
        *,
        debug: bool = False,
        mouse: bool = True,
        size: tuple[int, int] | None = None,
    ) -> None:
        super().__init__(app, debug=debug, mouse=mouse, size=size)
        self._wake_r, self._wake_w = os.pipe()
        for fd in (self._wake_r, self._wake_w):
            os.set_blocking(fd, False)
        self.exit_event = _WakingEvent(self._wake_w)

    def close(self) -> None:
        super().close()
        thread = self._key_thread
        if thread is not None and thread.is_alive():
            return  # input was not stopped first: the thread may still wait on the pipe
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)

    def run_input_thread(self) -> None:
        """Read the terminal and pass its keys on until the exit event is set."""
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode
        with selectors.DefaultSelector() as selector:
            selector.register(self.fileno, selectors.EVENT_READ, "terminal")
            selector.register(self._wake_r, selectors.EVENT_READ, "wake")
            try:
                while not self.exit_event.is_set():
                    for key, _mask in selector.select(_wait(parser)):
                        if key.data == "wake":
                            _drain(self._wake_r)
                            continue
                        data = _read(self.fileno)
                        if not data:  # end of input: stop reading the terminal
                            selector.unregister(self.fileno)
                            continue
                        text = decode(data)  # empty when a character's bytes are split
                        for event in parser.feed(text) if text else ():
                            self.process_message(event)
                    for event in parser.tick():
                        self.process_message(event)
            finally:
                with contextlib.suppress(Exception):
                    for _event in parser.feed(""):
                        pass


def _wait(parser: XTermParser) -> float | None:
    """How long the input thread may sleep: until the parser's timeout, else until woken."""
    if not hasattr(parser, "_timeout_time"):
        return FALLBACK_WAIT
    deadline: float | None = parser._timeout_time
    return None if deadline is None else max(deadline - get_time(), 0.0)


def _read(fd: int) -> bytes:
    """What the terminal has; nothing at its end (a pseudo-terminal whose other side has
    closed answers EIO rather than end-of-file)."""
    try:
        return os.read(fd, READ_SIZE)
    except OSError:
        return b""


def _drain(fd: int) -> None:
    with contextlib.suppress(OSError):
        while os.read(fd, 512):
            pass
