"""The warm-up's tables: check-ins and warm-up sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, UTCDateTime


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
