"""payment orders

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 18:00:00

Hand-written:

* ``payment_order``: a company's order to pay the fees of some of its permits (issue 15):
  its number (``PO-YYMM-seq``, unique), total, validity, status (OPEN, PAID, CANCELLED; an
  expired order is an OPEN one past ``expires_at``) and, once the processor's settlement
  file pays it, the transaction id (unique: a transaction is applied once) and when.
* ``payment_order_item``: each permit's amount due when the order was made (never changed).

New tables only: nothing existing is rebuilt.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import etrakit_tui.domain.store.models

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = etrakit_tui.domain.store.models.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "payment_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "number",
            sa.String(length=20).with_variant(sa.String(length=20, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("expires_at", UTC(), nullable=False),
        sa.Column("total_cents", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("paid_at", UTC(), nullable=True),
        sa.Column("transaction_id", sa.String(length=80), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.CheckConstraint("total_cents > 0", name=op.f("ck_payment_order_total_positive")),
        sa.CheckConstraint(
            "status IN ('OPEN', 'PAID', 'CANCELLED')", name=op.f("ck_payment_order_status_known")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_payment_order_company_id_company")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_order")),
        sa.UniqueConstraint("number", name=op.f("uq_payment_order_number")),
        sa.UniqueConstraint("transaction_id", name=op.f("uq_payment_order_transaction_id")),
    )
    op.create_index(
        op.f("ix_payment_order_company_id"), "payment_order", ["company_id"], unique=False
    )
    op.create_table(
        "payment_order_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("permit_id", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_payment_order_item_amount_positive")),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["payment_order.id"],
            name=op.f("fk_payment_order_item_order_id_payment_order"),
        ),
        sa.ForeignKeyConstraint(
            ["permit_id"], ["permit.id"], name=op.f("fk_payment_order_item_permit_id_permit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_order_item")),
        sa.UniqueConstraint(
            "order_id", "permit_id", name=op.f("uq_payment_order_item_order_id_permit_id")
        ),
    )
    op.create_index(
        op.f("ix_payment_order_item_order_id"), "payment_order_item", ["order_id"], unique=False
    )
    op.create_index(
        op.f("ix_payment_order_item_permit_id"), "payment_order_item", ["permit_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_payment_order_item_permit_id"), table_name="payment_order_item")
    op.drop_index(op.f("ix_payment_order_item_order_id"), table_name="payment_order_item")
    op.drop_table("payment_order_item")
    op.drop_index(op.f("ix_payment_order_company_id"), table_name="payment_order")
    op.drop_table("payment_order")
