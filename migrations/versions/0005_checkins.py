"""After-run check-ins: the question as an outbox row, the runner's delay, the answers.

Revision ID: 0005_checkins
Revises: 0004_reminder_outbox
Create Date: 2026-12-02

A check-in question is a ``reminder_deliveries`` row of kind ``checkin`` whose occurrence
is the run itself; it waits as ``scheduled`` until ``due_at``. The unique key takes the
kind in, since a reminder with no lead fires at the run's own instant.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_checkins"
down_revision: str | None = "0004_reminder_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "reminder_deliveries"
OLD_UNIQUE = "uq_reminder_deliveries_reminder_id_occurrence_at"
NEW_UNIQUE = "uq_reminder_deliveries_reminder_id_occurrence_at_kind"
DUE_INDEX = "ix_reminder_deliveries_status_due_at"


def upgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
        batch.drop_constraint(OLD_UNIQUE, type_="unique")
        batch.create_unique_constraint(NEW_UNIQUE, ["reminder_id", "occurrence_at", "kind"])
    op.create_index(DUE_INDEX, TABLE, ["status", "due_at"])
    op.create_table(
        "checkin_settings",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("delay_minutes", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name="fk_checkin_settings_user_id_users",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name="pk_checkin_settings"),
    )
    op.create_table(
        "checkin_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=True),
        sa.Column("feeling", sa.String(8), nullable=False),
        sa.Column("area", sa.String(32), nullable=True),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name="fk_checkin_answers_user_id_users",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_checkin_answers"),
        sa.UniqueConstraint("user_id", "run_at", name="uq_checkin_answers_user_id_run_at"),
    )
    op.create_index("ix_checkin_answers_user_id", "checkin_answers", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_checkin_answers_user_id", table_name="checkin_answers")
    op.drop_table("checkin_answers")
    op.drop_table("checkin_settings")
    op.drop_index(DUE_INDEX, table_name=TABLE)
    op.execute(sa.text(f"DELETE FROM {TABLE} WHERE kind = 'checkin'"))  # noqa: S608
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_constraint(NEW_UNIQUE, type_="unique")
        batch.create_unique_constraint(OLD_UNIQUE, ["reminder_id", "occurrence_at"])
        batch.drop_column("due_at")
