"""The core's tables: users, conversations, handled updates and key-values.

Features keep their own tables beside their code (``bot/features/*/models.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
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
    # The language tag the platform last sent ("en-GB"), for messages that carry none.
    locale: Mapped[str | None] = mapped_column(String(35))
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


_HELD = "replies IS NOT NULL"


class ProcessedUpdate(Base):
    """Platform updates handled, each written by the step it caused: a redelivered update
    conflicts with its row and is handled once. ``replies`` is the step's outbox: the
    replies still to send (SQL NULL once they all went out), ``replies_sent`` how many
    of them went out already."""

    __tablename__ = "processed_updates"
    __table_args__ = (
        Index(
            "ix_processed_updates_held",
            "platform",
            sqlite_where=text(_HELD),
            postgresql_where=text(_HELD),
        ),
    )

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    update_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    chat_id: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(64))
    replies: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON(none_as_null=True))
    replies_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The worker that owes the replies (bot.storage.workers); NULL: a single process.
    worker: Mapped[int | None] = mapped_column(BigInteger)


class UpdateArrival(Base):
    """A webhook update as it reached a worker, so that a chat's updates are handled in
    their order across workers (bot.storage.chat_order). Done once its replies went out."""

    __tablename__ = "update_arrivals"
    __table_args__ = (Index("ix_update_arrivals_chat", "platform", "chat_id", "update_id"),)

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[str] = mapped_column(String(64))
    worker: Mapped[int] = mapped_column(BigInteger)
    arrived_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class KeyValue(Base):
    """Small pieces of bot-wide state, such as the hash of the last synced command set."""

    __tablename__ = "key_values"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class SendBudget(Base):
    """The platforms' send limits shared by every worker (PostgreSQL; see
    :mod:`bot.storage.send_budget`): per bucket, the theoretical arrival time of the next
    send (GCRA), in seconds of the database server's clock. Chat buckets are named by a
    hash of the chat, never the chat id, and pruned once idle."""

    __tablename__ = "send_budget"

    bucket: Mapped[str] = mapped_column(String(64), primary_key=True)
    tat: Mapped[float] = mapped_column(Float)
