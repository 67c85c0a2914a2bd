"""Domain errors: each carries a message fit to show the user as it is.

:class:`AccessDenied` is a refused access: it says exactly what :class:`NotFound` says (a
permit another company may not see reads like one that does not exist) and carries what
:func:`etrakit_tui.domain.audit.audit_denial` writes.
"""

from __future__ import annotations

from collections.abc import Mapping

from etrakit_tui.domain.accounts.actors import Actor


class EtrakitError(Exception):
    """Base of every error the domain raises on purpose. ``str(err)`` is the user message."""


class DatabaseError(EtrakitError):
    """The database cannot be reached, is behind its schema, or refused a change."""


UNAVAILABLE_MESSAGE = "The portal cannot reach its database. Try again in a minute."


class DatabaseUnavailable(DatabaseError):
    """The database server (or file) cannot be reached now. ``str()`` is always the one plain
    line, safe for any visitor (no host, no URL, no driver text); ``detail`` says what failed
    (host, port, reason; never a password) for the operator's command line and the log."""

    def __init__(self, detail: str = "", *, url: str = "") -> None:
        super().__init__(UNAVAILABLE_MESSAGE)
        self.detail = detail or UNAVAILABLE_MESSAGE
        self.url = url
        """The database's URL with its password masked, when known (for the log)."""


class SchemaBehindError(DatabaseError):
    """The schema is older than this version of the program."""


class NotFound(EtrakitError):
    """The thing does not exist, or the caller may not see it (we never say which)."""

    def __init__(self, what: str = "record") -> None:
        super().__init__(f"{what} not found")


class AuthenticationFailed(EtrakitError):
    """One generic message for every sign-in failure."""


class ValidationFailed(EtrakitError):
    """Bad input; ``errors`` maps each field name to the message shown at that field."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


class RuleViolation(EtrakitError):
    """A portal rule refused the action; ``field`` names where the user should look."""

    def __init__(self, message: str, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)


class SlotFull(RuleViolation):
    """The requested district/day/period has no room left."""


class AccessDenied(NotFound):
    """A refused access. Says exactly what :class:`NotFound` says; carries what to audit."""

    def __init__(self, what: str, *, actor: Actor, target: str, detail: str = "") -> None:
        super().__init__(what)
        self.actor = actor
        self.target = target
        self.detail = detail
        self.audited = False
