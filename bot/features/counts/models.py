"""The paced counts table: one row per count, its beats, how far it got, how it ended."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, UTCDateTime


class PacedCountRow(Base):
    """A count a runner asked for. ``status``: running | finished | stopped |
    interrupted (the process stopped while it ran; the runner was told once)."""

    __tablename__ = "paced_counts"
    __table_args__ = (Index("ix_paced_counts_status", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The conversation it runs in, to tell the runner after a restart.
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    platform_user_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    # [[seconds from the start, text], ...], and what the message becomes at the end.
    beats: Mapped[list[Any]] = mapped_column(JSON)
    ends_after: Mapped[int] = mapped_column(Integer)  # milliseconds
    done: Mapped[dict[str, Any]] = mapped_column(JSON)
    shown: Mapped[int] = mapped_column(Integer)  # beats shown so far
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
