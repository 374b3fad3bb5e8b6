"""After-run answers keep the side, and a user keeps their platform's language tag.

Revision ID: 0010_side_and_locale
Revises: 0009_workers
Create Date: 2026-12-02

``checkin_answers.side`` is ``left``, ``right`` or ``both`` when the runner said which,
and empty otherwise (a button, or no side named). ``users.locale`` is the language tag
the platform last sent for the user ("en-GB"), for the messages that come without one
(a Discord DM typed rather than a command), when no time zone says where they are.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_side_and_locale"
down_revision: str | None = "0009_workers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("checkin_answers", sa.Column("side", sa.String(5), nullable=True))
    op.add_column("users", sa.Column("locale", sa.String(35), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("locale")
    with op.batch_alter_table("checkin_answers") as batch:
        batch.drop_column("side")
