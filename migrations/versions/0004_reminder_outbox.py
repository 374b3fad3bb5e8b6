"""Reminder deliveries as an outbox: who holds each claim, until when, and how often it was sent.

Revision ID: 0004_reminder_outbox
Revises: 0003_update_outbox
Create Date: 2026-12-01

``claimed_by`` and ``lease_until`` say which dispatcher holds a claimed delivery and until
when; a claim whose lease has run out (its process died) is taken over and sent again.
``attempts`` counts the times it was handed to a platform, so a re-send knows whether
the runner may have it already. Rows the old code left ``claimed`` (a process that died
between claim and send) get an expired lease and one attempt: the next start sends them
again, with the "may be a repeat" line, if they are still inside the grace window.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_reminder_outbox"
down_revision: str | None = "0003_update_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "reminder_deliveries"
INDEX = "ix_reminder_deliveries_status_lease_until"


def upgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(64), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
    op.create_index(INDEX, TABLE, ["status", "lease_until"])
    deliveries = sa.table(
        TABLE,
        sa.column("status", sa.String()),
        sa.column("claimed_at", sa.DateTime(timezone=True)),
        sa.column("lease_until", sa.DateTime(timezone=True)),
        sa.column("attempts", sa.Integer()),
    )
    op.execute(
        deliveries.update()
        .where(deliveries.c.status == "claimed")
        .values(lease_until=deliveries.c.claimed_at, attempts=1)
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name=TABLE)
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_column("attempts")
        batch.drop_column("lease_until")
        batch.drop_column("claimed_by")
