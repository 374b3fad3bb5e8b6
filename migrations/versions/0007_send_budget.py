"""The send budget every worker shares: one row per rate-limit bucket.

Revision ID: 0007_send_budget
Revises: 0006_clubs
Create Date: 2026-12-02

Several workers sending for one bot must stay under the platform's limits together
(Telegram: about 30 messages a second per bot, 1 a second per chat, 20 a minute per
group). Each bucket keeps the theoretical arrival time of its next send (GCRA) in
seconds of the database server's clock; a send reserves its slot in every bucket it
touches in one short transaction. SQLite serves one process and keeps its pacing in
memory, so the table stays empty there.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_send_budget"
down_revision: str | None = "0006_clubs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "send_budget",
        sa.Column("bucket", sa.String(64), primary_key=True),
        sa.Column("tat", sa.Float(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("send_budget")
