"""What /export and /forget read and erase: every row that belongs to the runner."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import delete

from bot.storage.base import Repository
from bot.storage.database import mark_vacuum_pending
from bot.storage.models import User
from bot.storage.personal_data import export_user


class PrivacyStore(Protocol):
    async def export(self, user_id: int) -> dict[str, Any]:
        """A JSON-ready dict of every row that belongs to the user, grouped by table."""
        ...

    async def erase(self, user_id: int) -> None:
        """Delete the user and, by cascade, everything that references them."""
        ...


class PrivacyRepository(Repository):
    """The :class:`PrivacyStore` on SQL tables."""

    async def export(self, user_id: int) -> dict[str, Any]:
        return await export_user(self.session, user_id)

    async def erase(self, user_id: int) -> None:
        await self.session.execute(delete(User).where(User.id == user_id))
        await mark_vacuum_pending(self.session)
