"""Tables for tight-spot reports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, UTCDateTime


class TightReport(Base):
    """What a runner said feels tight or hurts, stored only once they confirmed it.

    Red flags are answered with "get this checked" and never stored: the runner has
    confirmed nothing, and no release plan was given.
    """

    __tablename__ = "tight_reports"
    __table_args__ = (Index("ix_tight_reports_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Ordered list of {"area": id, "side": "left" | "right" | "both" | null}.
    areas: Mapped[list[dict[str, str | None]]] = mapped_column(JSON)
    kind: Mapped[str] = mapped_column(String(16))  # tightness | pain
    intensity: Mapped[int | None] = mapped_column(Integer)  # 0-10
    # The runner's own words, as typed (at most a few hundred characters).
    text: Mapped[str] = mapped_column(Text)


class TightPreamble(Base):
    """When a runner was last shown the general how-to-roll words (the preamble), so
    that they are shown with the first plan of the runner's day and not with every one."""

    __tablename__ = "tight_preambles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    shown_at: Mapped[datetime] = mapped_column(UTCDateTime())
