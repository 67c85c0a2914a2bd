"""attachment email and per-account theme

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 14:40:00

Hand-written:

* ``outbox.attachment_id``: an email may carry one permit attachment (sent over SSH to the
  company's profile address instead of a file written on the server). The bytes stay in
  ``attachment``; the sender reads them when it builds the message.
* ``company.theme`` and ``staff_user.theme``: the colour theme is remembered per signed-in
  account, never server-wide.

Nullable columns; only ``outbox`` is rebuilt on SQLite (for its foreign key). ``parcel`` is
not touched: a batch rebuild of it would drop the trigram triggers of migration 0002.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # SQLite cannot ALTER in a foreign key: outbox (small, no triggers) is rebuilt in batch.
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("attachment_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_outbox_attachment_id_attachment", "attachment", ["attachment_id"], ["id"]
        )
    op.add_column("company", sa.Column("theme", sa.String(length=40), nullable=True))
    op.add_column("staff_user", sa.Column("theme", sa.String(length=40), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+): a batch rebuild of company trips on its generated
    # column.
    op.drop_column("staff_user", "theme")
    op.drop_column("company", "theme")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("attachment_id")
