"""Field mode (issue 16): an inspector checks out the day's route into a field file on the
laptop, records results offline, and syncs them to the city exactly once.

Modules: views.py (read models), fieldfile.py (the field file, its two field-only tables,
opening it), routecopy.py (the route's rows, city -> file), checkout.py, record.py
(offline results, status, conflicts on the laptop), submission.py (the city's side: each
result applied once or kept as a conflict; staff's list), sync.py.
"""

from __future__ import annotations

from etrakit_tui.domain.field.checkout import checkout, checkout_signed_in
from etrakit_tui.domain.field.fieldfile import (
    FieldFileError,
    FieldSession,
    default_field_file,
    open_field,
)
from etrakit_tui.domain.field.record import (
    field_status,
    local_conflicts,
    local_results,
    record_offline,
)
from etrakit_tui.domain.field.submission import field_conflicts
from etrakit_tui.domain.field.sync import sync
from etrakit_tui.domain.field.views import (
    CheckoutInfo,
    CheckoutSummary,
    ConflictReason,
    FieldConflictView,
    FieldResultView,
    FieldStatus,
    ResultState,
    SyncReport,
)

__all__ = [
    "CheckoutInfo",
    "CheckoutSummary",
    "ConflictReason",
    "FieldConflictView",
    "FieldFileError",
    "FieldResultView",
    "FieldSession",
    "FieldStatus",
    "ResultState",
    "SyncReport",
    "checkout",
    "checkout_signed_in",
    "default_field_file",
    "field_conflicts",
    "field_status",
    "local_conflicts",
    "local_results",
    "open_field",
    "record_offline",
    "sync",
]
