"""Everything stored about a user, found by following foreign keys from ``users``.

Walking the schema (rather than listing tables by hand) means a new table that
references a user, directly or through another table, is exported and erased
without anyone remembering to add it here. It walks every table registered on
``Base.metadata``: the composition root imports ``bot.schema``, which registers all.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.base import Base


def _children(parent: Table) -> list[tuple[Table, str, str]]:
    """(child table, child column, parent column) for each FK pointing at ``parent``."""
    found = []
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table is parent and fk.parent.table is not parent:
                found.append((table, fk.parent.name, fk.column.name))
    return found


def personal_tables() -> list[str]:
    """The names of ``users`` and of every table that hangs off it, directly or not."""
    users = Base.metadata.tables["users"]
    found = [users.name]
    frontier = [users]
    while frontier:
        for child, _, _ in _children(frontier.pop(0)):
            if child.name not in found:
                found.append(child.name)
                frontier.append(child)
    return found


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


async def _rows(session: AsyncSession, table: Table, column: str, values: list[Any]) -> list[Any]:
    if not values:
        return []
    result = await session.execute(select(table).where(table.c[column].in_(values)))
    return list(result.mappings())


async def export_user(session: AsyncSession, user_id: int) -> dict[str, Any]:
    """A JSON-ready dict of every row that belongs to the user, grouped by table."""
    export: dict[str, Any] = {}
    users = Base.metadata.tables["users"]
    user_rows = await _rows(session, users, "id", [user_id])
    export["users"] = [{k: _plain(v) for k, v in row.items()} for row in user_rows]
    # A table can hang off the user by two paths (a warm-up references both the user and
    # its check-in): remember primary keys so each row is exported once.
    seen: dict[str, set[tuple[Any, ...]]] = {}
    frontier: list[tuple[Table, list[Any]]] = [(users, user_rows)]
    while frontier:
        parent, parent_rows = frontier.pop(0)
        for child, child_column, parent_column in _children(parent):
            keys = [row[parent_column] for row in parent_rows]
            rows = await _rows(session, child, child_column, keys)
            known = seen.setdefault(child.name, set())
            fresh = []
            for row in rows:
                pk = tuple(row[c.name] for c in child.primary_key.columns)
                if pk not in known:
                    known.add(pk)
                    fresh.append(row)
            if not fresh:
                continue
            export.setdefault(child.name, []).extend(
                {k: _plain(v) for k, v in row.items()} for row in fresh
            )
            frontier.append((child, fresh))
    return export
