"""Tables for pre-run reminders and their deliveries."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, UTCDateTime


class Reminder(Base):
    """A reminder rule in the runner's local time; ``next_fire_at`` is derived, in UTC.

    The rule (weekdays or ``once_on``, ``run_time``, ``lead_minutes``, ``time_zone``) is
    the truth; ``next_fire_at`` is recomputed from it whenever it changes or fires.
    ``snooze_until`` is a second, one-time firing of the latest occurrence.
    """

    __tablename__ = "reminders"
    __table_args__ = (
        Index("ix_reminders_status_next_fire_at", "status", "next_fire_at"),
        Index("ix_reminders_status_snooze_until", "status", "snooze_until"),
        Index("ix_reminders_platform_chat_id", "platform", "chat_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    # Weekdays as digits, Monday=0 ("024" = Mon, Wed, Fri); empty for a one-off.
    weekdays: Mapped[str] = mapped_column(String(7))
    once_on: Mapped[date | None] = mapped_column(Date)
    run_time: Mapped[str] = mapped_column(String(5))  # local "HH:MM"
    lead_minutes: Mapped[int] = mapped_column(Integer)
    time_zone: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # active | paused | done
    paused_reason: Mapped[str | None] = mapped_column(String(16))  # user | unreachable
    next_fire_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    snooze_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReminderDelivery(Base):
    """One occurrence of a reminder, as an outbox row: claimed, sent, marked sent.

    ``occurrence_at`` is the planned fire time (the snooze time for a snoozed repeat);
    the unique key means an occurrence is claimed once. The row is written, and
    committed, before the message is sent, held by ``claimed_by`` until
    ``lease_until`` (renewed while the dispatcher works). ``attempts`` counts the times
    it was handed to the platform: a claim whose lease ran out is sent again, with a
    line saying it may be a repeat when ``attempts`` is above zero.
    """

    __tablename__ = "reminder_deliveries"
    __table_args__ = (
        UniqueConstraint("reminder_id", "occurrence_at", "kind"),
        Index("ix_reminder_deliveries_status_claimed_at", "status", "claimed_at"),
        Index("ix_reminder_deliveries_status_lease_until", "status", "lease_until"),
        Index("ix_reminder_deliveries_status_due_at", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reminder_id: Mapped[int] = mapped_column(ForeignKey("reminders.id", ondelete="CASCADE"))
    occurrence_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # rule | snooze | checkin. A check-in (the after-run question) has the run's own
    # instant as its occurrence, so a run is asked about at most once, and waits as
    # ``scheduled`` until ``due_at``, when the dispatcher claims it like a reminder.
    kind: Mapped[str] = mapped_column(String(8))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # scheduled (a check-in before its due time) → claimed, or → dismissed (Skip on the
    # reminder), answered (the runner told us first) or dropped (the next run came first);
    # claimed → sent | failed | unreachable; claimed → released (the process stopped
    # before sending it) → claimed again by the next process; claimed or released → lost
    # (its process died and it was found past the grace window); skipped (missed by more
    # than the grace window); dismissed (the runner pressed Skip).
    status: Mapped[str] = mapped_column(String(16))
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CheckinSetting(Base):
    """A runner's own after-run check-in delay; ``delay_minutes`` None: check-ins off.
    No row: the default delay (setting ``CHECKIN_DELAY_MINUTES``)."""

    __tablename__ = "checkin_settings"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    delay_minutes: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
