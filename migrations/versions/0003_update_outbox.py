"""Each handled update keeps its step's replies until they have gone out (the outbox).

Revision ID: 0003_update_outbox
Revises: 0002_tight_preamble
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_update_outbox"
down_revision: str | None = "0002_tight_preamble"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_HELD = "replies IS NOT NULL"


def upgrade() -> None:
    op.add_column("processed_updates", sa.Column("chat_id", sa.String(64), nullable=True))
    op.add_column("processed_updates", sa.Column("user_id", sa.String(64), nullable=True))
    op.add_column("processed_updates", sa.Column("replies", sa.JSON(), nullable=True))
    op.add_column(
        "processed_updates",
        sa.Column("replies_sent", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_index(
        "ix_processed_updates_held",
        "processed_updates",
        ["platform"],
        sqlite_where=sa.text(_HELD),
        postgresql_where=sa.text(_HELD),
    )


def downgrade() -> None:
    op.drop_index("ix_processed_updates_held", table_name="processed_updates")
    with op.batch_alter_table("processed_updates") as batch:
        batch.drop_column("replies_sent")
        batch.drop_column("replies")
        batch.drop_column("user_id")
        batch.drop_column("chat_id")
