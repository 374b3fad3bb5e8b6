"""Several workers on one database: who handles which update, in each chat's order.

Revision ID: 0009_workers
Revises: 0008_paced_counts
Create Date: 2026-12-02

``update_arrivals`` records each webhook update as it reaches a worker (which chat,
which worker, when it was done), so a worker holding a chat's later update waits for
the earlier one another worker holds. ``processed_updates.worker`` says which worker
still owes an update's replies, so a restarting worker sends only what a stopped or
dead one left.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_workers"
down_revision: str | None = "0008_paced_counts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "update_arrivals"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("platform", sa.String(16), primary_key=True),
        sa.Column("update_id", sa.BigInteger(), primary_key=True),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("worker", sa.BigInteger(), nullable=False),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(f"ix_{TABLE}_chat", TABLE, ["platform", "chat_id", "update_id"])
    op.create_index(f"ix_{TABLE}_arrived_at", TABLE, ["arrived_at"])
    op.add_column("processed_updates", sa.Column("worker", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("processed_updates") as batch:
        batch.drop_column("worker")
    op.drop_index(f"ix_{TABLE}_arrived_at", table_name=TABLE)
    op.drop_index(f"ix_{TABLE}_chat", table_name=TABLE)
    op.drop_table(TABLE)
