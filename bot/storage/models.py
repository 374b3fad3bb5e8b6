"""Tables for users, conversations, warm-up sessions and check-ins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, UTCDateTime


class User(Base):
    """A person on one platform. Deleting a user cascades to everything they own."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("platform", "platform_user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    platform_user_id: Mapped[str] = mapped_column(String(64))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    disclaimer_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the platform refuses to deliver to the user (blocked, DMs closed).
    unreachable_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Conversation(Base):
    """Where one user is in one chat: the flow state, saved at every step."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("platform", "chat_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    state: Mapped[dict[str, object]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CheckIn(Base):
    """How the hips felt before a warm-up."""

    __tablename__ = "checkins"
    __table_args__ = (Index("ix_checkins_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    soreness: Mapped[int] = mapped_column(Integer)
    sharp_pain: Mapped[bool] = mapped_column(Boolean)


class WarmupSession(Base):
    """One run-through of a warm-up routine, finished or not."""

    __tablename__ = "warmup_sessions"
    __table_args__ = (Index("ix_warmup_sessions_user_id_started_at", "user_id", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id", ondelete="SET NULL"))
    routine: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # in_progress | completed | stopped | expired
    status: Mapped[str] = mapped_column(String(16))
    # Ordered list of {"drill": id, "outcome": "done" | "skipped"}.
    drills: Mapped[list[dict[str, str]]] = mapped_column(JSON)


class ProcessedUpdate(Base):
    """Platform update ids already handled, so a redelivered update is handled once."""

    __tablename__ = "processed_updates"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    update_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class KeyValue(Base):
    """Small pieces of bot-wide state, such as the hash of the last synced command set."""

    __tablename__ = "key_values"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
