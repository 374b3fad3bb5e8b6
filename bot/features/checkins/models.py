"""The after-run answers: how the hips felt on a run (health data)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, UTCDateTime


class CheckinAnswer(Base):
    """One run's answer. ``run_at`` is the planned run (or, for a run told about with
    /ran and no plan, the moment it was told); one answer per run."""

    __tablename__ = "checkin_answers"
    __table_args__ = (UniqueConstraint("user_id", "run_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    run_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The question's delivery, when the answer came from one (no key: deliveries are pruned).
    delivery_id: Mapped[int | None] = mapped_column(Integer)
    feeling: Mapped[str] = mapped_column(String(8))  # fine | tight | sore | pain
    area: Mapped[str | None] = mapped_column(String(32))
    side: Mapped[str | None] = mapped_column(String(5))  # left | right | both, when said
    source: Mapped[str] = mapped_column(String(8))  # question | ran | words
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())
