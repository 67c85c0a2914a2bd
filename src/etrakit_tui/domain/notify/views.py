"""Notification read models: what a delivery run reports (frozen dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    sent: int
    failed: int
    pending: int

    def __str__(self) -> str:
        return f"sent {self.sent}, failed {self.failed}, still pending {self.pending}"
