"""Tables for running clubs: the club (a group or server channel), its runs, what the
outbox sends for them, and who pressed "Warm up with me"."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, UTCDateTime


class Club(Base):
    """A group chat (Telegram) or server channel (Discord) that runs together.

    ``space`` is what the platform removes the coach from: the group itself on Telegram,
    the server (guild) on Discord. ``status`` is active, or paused once the coach was
    removed; an admin's next /club there resumes it.
    """

    __tablename__ = "clubs"
    __table_args__ = (
        UniqueConstraint("platform", "chat_id"),
        Index("ix_clubs_platform_space", "platform", "space"),
        Index("ix_clubs_status_next_summary_at", "status", "next_summary_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    space: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # active | paused
    # A Discord role whose members may set runs, besides those who manage the server.
    admin_role: Mapped[str | None] = mapped_column(String(64))
    weekly_summary: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    # Zone of the weekly summary (the zone of the club's latest run), and when it is due.
    summary_zone: Mapped[str | None] = mapped_column(String(64))
    next_summary_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ClubRun(Base):
    """A weekly club run in local wall-clock time; ``next_fire_at`` (UTC) is when the
    group gets its "Warm up with me" message, ``lead_minutes`` before the run."""

    __tablename__ = "club_runs"
    __table_args__ = (Index("ix_club_runs_next_fire_at", "next_fire_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    club_id: Mapped[int] = mapped_column(ForeignKey("clubs.id", ondelete="CASCADE"), index=True)
    weekdays: Mapped[str] = mapped_column(String(7))  # digits, Monday=0
    run_time: Mapped[str] = mapped_column(String(5))  # local "HH:MM"
    time_zone: Mapped[str] = mapped_column(String(64))
    lead_minutes: Mapped[int] = mapped_column(Integer)
    next_fire_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ClubDelivery(Base):
    """One message to a club's chat, as an outbox row like a reminder's delivery.

    ``kind``: invite (before a run), after (the neutral line after it) or weekly (the
    summary). ``occurrence_at`` is the run's start (the summary's due time for weekly);
    the unique key means each is claimed once. ``due_at`` is when it may go out.
    pending → claimed (lease) → sent | failed | unreachable | skipped | dropped (the club
    was paused or the run deleted before it went).
    """

    __tablename__ = "club_deliveries"
    __table_args__ = (
        UniqueConstraint("club_id", "kind", "occurrence_at"),
        Index("ix_club_deliveries_status_due_at", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    club_id: Mapped[int] = mapped_column(ForeignKey("clubs.id", ondelete="CASCADE"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("club_runs.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(8))
    occurrence_at: Mapped[datetime] = mapped_column(UTCDateTime())
    run_zone: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ClubName(Base):
    """A member chose to be named in their club's after-run line, by the name they gave."""

    __tablename__ = "club_names"
    __table_args__ = (UniqueConstraint("club_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    club_id: Mapped[int] = mapped_column(ForeignKey("clubs.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ClubWarmup(Base):
    """A member pressed "Warm up with me" under an invite: counted, never named."""

    __tablename__ = "club_warmups"
    __table_args__ = (UniqueConstraint("delivery_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("club_deliveries.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    pressed_at: Mapped[datetime] = mapped_column(UTCDateTime())
