"""What can be wrong with a database, as exceptions whose ``str()`` is one line for people."""

from __future__ import annotations

import errno


class DatabaseProblem(Exception):
    """The database can't be used as it is; ``str()`` says what and what to do."""


class DatabaseUnreachable(DatabaseProblem):
    """The database server did not answer; it may later."""


SQLITE_FULL = 13
# PostgreSQL's SQLSTATEs for a full disk (53100) and for a server that went away: class
# 08 (connection exception) and 57P01-57P03 (shut down, crashed, not accepting yet).
_PG_FULL = frozenset({"53100"})
_PG_GONE = frozenset({"57P01", "57P02", "57P03"})
_FULL_WORDS = ("database or disk is full", "no space left on device", "disk full")


def not_saved_reason(exc: BaseException) -> str | None:
    """Why a step could not be saved, when it is the database's trouble rather than the
    code's: "full" (no room on its disk) or "unreachable" (the server went away), else
    ``None``. Looks through SQLAlchemy's wrapper and the chain of causes."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    gone = False
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        code = getattr(current, "sqlite_errorcode", None)
        state = getattr(current, "sqlstate", None) or getattr(current, "pgcode", None)
        text = str(current).lower()
        if code == SQLITE_FULL or state in _PG_FULL or any(w in text for w in _FULL_WORDS):
            return "full"
        if isinstance(current, OSError) and current.errno == errno.ENOSPC:
            return "full"
        if getattr(current, "connection_invalidated", False) or isinstance(
            current, ConnectionError
        ):
            gone = True
        if isinstance(state, str) and (state.startswith("08") or state in _PG_GONE):
            gone = True
        if type(current).__name__ in ("ConnectionDoesNotExistError", "CannotConnectNowError"):
            gone = True
        todo += [getattr(current, "orig", None), current.__cause__, current.__context__]
    return "unreachable" if gone else None


def exc_line(exc: BaseException) -> str:
    """The first line of what the driver said (SQLAlchemy's wrapper adds the statement)."""
    original = getattr(exc, "orig", None) or exc
    lines = str(original).strip().splitlines()
    return lines[0] if lines else type(original).__name__
