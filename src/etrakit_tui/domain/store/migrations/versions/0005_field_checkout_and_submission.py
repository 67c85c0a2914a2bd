"""field checkout and submission

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 19:40:00

Hand-written:

* ``field_checkout``: an inspector's route for one day copied to a field laptop (issue 16):
  who, which day, when, and the sha256 of the sync token (unique; the raw token stays in the
  field file).
* ``field_submission``: each result sent from a field laptop, kept forever. ``uuid`` is the
  laptop's idempotency key (unique: a result is applied once); the device's time, the time
  the result counts from, the city's time of arrival, the outcome (APPLIED, CONFLICT), the
  conflict's reason code and words, and the inspection's status and inspector at sync time.

New tables only: nothing existing is rebuilt.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import etrakit_tui.domain.store.models

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = etrakit_tui.domain.store.models.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "field_checkout",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspector_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspector_id"],
            ["staff_user.id"],
            name=op.f("fk_field_checkout_inspector_id_staff_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_checkout")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_field_checkout_token_hash")),
    )
    op.create_index(
        op.f("ix_field_checkout_inspector_id"), "field_checkout", ["inspector_id"], unique=False
    )
    op.create_table(
        "field_submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=32), nullable=False),
        sa.Column("checkout_id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("inspector_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("comments", sa.Text(), nullable=False),
        sa.Column("recorded_at", UTC(), nullable=False),
        sa.Column("performed_at", UTC(), nullable=False),
        sa.Column("received_at", UTC(), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("status_at_sync", sa.String(length=16), nullable=False),
        sa.Column("inspector_at_sync_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "outcome IN ('APPLIED', 'CONFLICT')", name=op.f("ck_field_submission_outcome_known")
        ),
        sa.ForeignKeyConstraint(
            ["checkout_id"],
            ["field_checkout.id"],
            name=op.f("fk_field_submission_checkout_id_field_checkout"),
        ),
        sa.ForeignKeyConstraint(
            ["inspector_id"],
            ["staff_user.id"],
            name=op.f("fk_field_submission_inspector_id_staff_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_submission")),
        sa.UniqueConstraint("uuid", name=op.f("uq_field_submission_uuid")),
    )
    op.create_index(
        op.f("ix_field_submission_checkout_id"), "field_submission", ["checkout_id"], unique=False
    )
    op.create_index(
        op.f("ix_field_submission_inspection_id"),
        "field_submission",
        ["inspection_id"],
        unique=False,
    )
    op.create_index(
        "ix_field_submission_outcome_received_at",
        "field_submission",
        ["outcome", "received_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_field_submission_outcome_received_at", table_name="field_submission")
    op.drop_index(op.f("ix_field_submission_inspection_id"), table_name="field_submission")
    op.drop_index(op.f("ix_field_submission_checkout_id"), table_name="field_submission")
    op.drop_table("field_submission")
    op.drop_index(op.f("ix_field_checkout_inspector_id"), table_name="field_checkout")
    op.drop_table("field_checkout")
