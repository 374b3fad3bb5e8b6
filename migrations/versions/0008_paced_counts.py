"""Paced counts: each count a runner asked for, its beats and how far it got.

Revision ID: 0008_paced_counts
Revises: 0007_send_budget
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_paced_counts"
down_revision: str | None = "0007_send_budget"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "paced_counts"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("platform_user_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("beats", sa.JSON(), nullable=False),
        sa.Column("ends_after", sa.Integer(), nullable=False),
        sa.Column("done", sa.JSON(), nullable=False),
        sa.Column("shown", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_paced_counts_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_paced_counts"),
    )
    op.create_index("ix_paced_counts_status", TABLE, ["status"])
    op.create_index("ix_paced_counts_user_id", TABLE, ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_paced_counts_user_id", table_name=TABLE)
    op.drop_index("ix_paced_counts_status", table_name=TABLE)
    op.drop_table(TABLE)
