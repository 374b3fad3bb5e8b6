"""Tables for tight-spot and pain reports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, UTCDateTime


class TightReport(Base):
    """What a runner said feels tight or hurts, as confirmed by them."""

    __tablename__ = "tight_reports"
    __table_args__ = (Index("ix_tight_reports_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Ordered list of {"area": id, "side": "left" | "right" | "both" | "none"}.
    areas: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    kind: Mapped[str] = mapped_column(String(16))  # tightness | pain
    intensity: Mapped[int | None] = mapped_column(Integer)  # 0-10
    red_flag: Mapped[str | None] = mapped_column(String(16))  # urgent | see_clinician
    text: Mapped[str] = mapped_column(Text)
