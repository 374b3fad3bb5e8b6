"""Initial schema: users, conversations, check-ins, warm-ups, reminders, tight-spot reports.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_initial"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.id"], name=f"fk_{table}_user_id_users", ondelete="CASCADE"
    )


def upgrade() -> None:
    # --- core: users, conversations, check-ins, warm-ups, bookkeeping ---
    op.create_table(
        "key_values",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_key_values"),
    )
    op.create_table(
        "processed_updates",
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("update_id", sa.String(64), nullable=False),
        sa.Column("seen_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "update_id", name="pk_processed_updates"),
    )
    op.create_index("ix_processed_updates_seen_at", "processed_updates", ["seen_at"])
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("platform_user_id", sa.String(64), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=True),
        sa.Column("disclaimer_accepted_at", _utc(), nullable=True),
        sa.Column("unreachable_since", _utc(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint(
            "platform", "platform_user_id", name="uq_users_platform_platform_user_id"
        ),
    )
    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name="fk_conversations_owner_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_conversations"),
        sa.UniqueConstraint(
            "platform", "chat_id", "user_id", name="uq_conversations_platform_chat_id_user_id"
        ),
    )
    op.create_index("ix_conversations_owner_id", "conversations", ["owner_id"])
    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("soreness", sa.Integer(), nullable=False),
        sa.Column("sharp_pain", sa.Boolean(), nullable=False),
        _user_fk("checkins"),
        sa.PrimaryKeyConstraint("id", name="pk_checkins"),
    )
    op.create_index("ix_checkins_user_id_created_at", "checkins", ["user_id", "created_at"])
    op.create_table(
        "warmup_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=True),
        sa.Column("routine", sa.String(32), nullable=False),
        sa.Column("started_at", _utc(), nullable=False),
        sa.Column("finished_at", _utc(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("drills", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkin_id"],
            ["checkins.id"],
            name="fk_warmup_sessions_checkin_id_checkins",
            ondelete="SET NULL",
        ),
        _user_fk("warmup_sessions"),
        sa.PrimaryKeyConstraint("id", name="pk_warmup_sessions"),
    )
    op.create_index(
        "ix_warmup_sessions_user_id_started_at", "warmup_sessions", ["user_id", "started_at"]
    )

    # --- reminders ---
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("weekdays", sa.String(7), nullable=False),
        sa.Column("once_on", sa.Date(), nullable=True),
        sa.Column("run_time", sa.String(5), nullable=False),
        sa.Column("lead_minutes", sa.Integer(), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("paused_reason", sa.String(16), nullable=True),
        sa.Column("next_fire_at", _utc(), nullable=True),
        sa.Column("snooze_until", _utc(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        _user_fk("reminders"),
        sa.PrimaryKeyConstraint("id", name="pk_reminders"),
    )
    op.create_index("ix_reminders_status_next_fire_at", "reminders", ["status", "next_fire_at"])
    op.create_index("ix_reminders_status_snooze_until", "reminders", ["status", "snooze_until"])
    op.create_index("ix_reminders_platform_chat_id", "reminders", ["platform", "chat_id"])
    op.create_index("ix_reminders_user_id", "reminders", ["user_id"])
    op.create_table(
        "reminder_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reminder_id", sa.Integer(), nullable=False),
        sa.Column("occurrence_at", _utc(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("claimed_at", _utc(), nullable=False),
        sa.Column("sent_at", _utc(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.ForeignKeyConstraint(
            ["reminder_id"],
            ["reminders.id"],
            name="fk_reminder_deliveries_reminder_id_reminders",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_reminder_deliveries"),
        sa.UniqueConstraint(
            "reminder_id",
            "occurrence_at",
            name="uq_reminder_deliveries_reminder_id_occurrence_at",
        ),
    )
    op.create_index(
        "ix_reminder_deliveries_status_claimed_at",
        "reminder_deliveries",
        ["status", "claimed_at"],
    )

    # --- tight-spot reports ---
    op.create_table(
        "tight_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("areas", sa.JSON(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("intensity", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        _user_fk("tight_reports"),
        sa.PrimaryKeyConstraint("id", name="pk_tight_reports"),
    )
    op.create_index(
        "ix_tight_reports_user_id_created_at", "tight_reports", ["user_id", "created_at"]
    )


def downgrade() -> None:
    for table in (
        "tight_reports",
        "reminder_deliveries",
        "reminders",
        "warmup_sessions",
        "checkins",
        "conversations",
        "users",
        "processed_updates",
        "key_values",
    ):
        op.drop_table(table)
