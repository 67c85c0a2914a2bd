"""Who is asking: every service takes an :class:`Actor` and decides what it may see and do."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ActorKind(StrEnum):
    COMPANY = "company"
    STAFF = "staff"
    INSPECTOR = "inspector"
    SYSTEM = "system"
    ANONYMOUS = "anonymous"


@dataclass(frozen=True, slots=True)
class Actor:
    """A signed-in principal (or the system itself, for CLI jobs)."""

    kind: ActorKind
    id: int | None
    name: str

    @property
    def is_company(self) -> bool:
        return self.kind is ActorKind.COMPANY

    @property
    def is_staff(self) -> bool:
        return self.kind in (ActorKind.STAFF, ActorKind.SYSTEM)

    @property
    def is_inspector(self) -> bool:
        return self.kind is ActorKind.INSPECTOR


SYSTEM = Actor(ActorKind.SYSTEM, None, "system")
ANONYMOUS = Actor(ActorKind.ANONYMOUS, None, "anonymous")
