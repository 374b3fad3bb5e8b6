"""Running clubs: clubs, their runs, their outbox deliveries, who warmed up, and the
members who chose to be named.

Revision ID: 0006_clubs
Revises: 0005_checkins
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_clubs"
down_revision: str | None = "0005_checkins"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "clubs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("space", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("admin_role", sa.String(64), nullable=True),
        sa.Column("weekly_summary", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        sa.Column("summary_zone", sa.String(64), nullable=True),
        sa.Column("next_summary_at", _UTC, nullable=True),
        sa.Column("created_at", _UTC, nullable=False),
        sa.Column("updated_at", _UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_clubs"),
        sa.UniqueConstraint("platform", "chat_id", name="uq_clubs_platform_chat_id"),
    )
    op.create_index("ix_clubs_platform_space", "clubs", ["platform", "space"])
    op.create_index("ix_clubs_status_next_summary_at", "clubs", ["status", "next_summary_at"])
    op.create_table(
        "club_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("club_id", sa.Integer(), nullable=False),
        sa.Column("weekdays", sa.String(7), nullable=False),
        sa.Column("run_time", sa.String(5), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("lead_minutes", sa.Integer(), nullable=False),
        sa.Column("next_fire_at", _UTC, nullable=True),
        sa.Column("created_at", _UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_club_runs"),
        sa.ForeignKeyConstraint(
            ["club_id"], ["clubs.id"], name="fk_club_runs_club_id_clubs", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_club_runs_club_id", "club_runs", ["club_id"])
    op.create_index("ix_club_runs_next_fire_at", "club_runs", ["next_fire_at"])
    op.create_table(
        "club_deliveries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("club_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("occurrence_at", _UTC, nullable=False),
        sa.Column("run_zone", sa.String(64), nullable=False),
        sa.Column("due_at", _UTC, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("lease_until", _UTC, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("sent_at", _UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_club_deliveries"),
        sa.ForeignKeyConstraint(
            ["club_id"],
            ["clubs.id"],
            name="fk_club_deliveries_club_id_clubs",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["club_runs.id"],
            name="fk_club_deliveries_run_id_club_runs",
            ondelete="SET NULL",
        ),
        sa.UniqueConstraint(
            "club_id", "kind", "occurrence_at", name="uq_club_deliveries_club_id_kind_occurrence_at"
        ),
    )
    op.create_index("ix_club_deliveries_status_due_at", "club_deliveries", ["status", "due_at"])
    op.create_table(
        "club_warmups",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("pressed_at", _UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_club_warmups"),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["club_deliveries.id"],
            name="fk_club_warmups_delivery_id_club_deliveries",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_club_warmups_user_id_users", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("delivery_id", "user_id", name="uq_club_warmups_delivery_id_user_id"),
    )
    op.create_index("ix_club_warmups_user_id", "club_warmups", ["user_id"])
    op.create_table(
        "club_names",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("club_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("created_at", _UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_club_names"),
        sa.ForeignKeyConstraint(
            ["club_id"], ["clubs.id"], name="fk_club_names_club_id_clubs", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_club_names_user_id_users", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("club_id", "user_id", name="uq_club_names_club_id_user_id"),
    )
    op.create_index("ix_club_names_user_id", "club_names", ["user_id"])


def downgrade() -> None:
    op.drop_table("club_names")
    op.drop_table("club_warmups")
    op.drop_table("club_deliveries")
    op.drop_table("club_runs")
    op.drop_table("clubs")
