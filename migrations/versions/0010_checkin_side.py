"""After-run answers keep the side: "left glute" is the left one, not both.

Revision ID: 0010_checkin_side
Revises: 0009_workers
Create Date: 2026-12-02

``checkin_answers.side`` is ``left``, ``right`` or ``both`` when the runner said which,
and empty otherwise (a button, or no side named).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_checkin_side"
down_revision: str | None = "0009_workers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("checkin_answers", sa.Column("side", sa.String(5), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("checkin_answers") as batch:
        batch.drop_column("side")
