"""Is this database one the coach can use? Each answer that is "no" is one line.

Start-up and ``migrate`` call :func:`ready_schema` before anything else touches the
database, so a wrong ``DATABASE_URL``, a file that is not a database, a read-only file, a
database made by a newer version of the code or one with tables but no migration record
each stop the process with a sentence saying what is wrong and what to do, not a
traceback. A server that does not answer is :class:`DatabaseUnreachable`: worth waiting
for, so ``run`` retries it.
"""

from __future__ import annotations

import sqlite3

from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DatabaseError as SQLDatabaseError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.database import is_sqlite
from bot.storage.errors import DatabaseProblem, DatabaseUnreachable
from bot.storage.migrations import (
    DatabaseBehind,
    alembic_config,
    current_revision,
    head_revision,
    upgrade_to_head,
)

MIGRATE = "python -m bot migrate"


def where(engine: AsyncEngine) -> str:
    """The database, named without its password: a file path or host/database."""
    url = make_url(str(engine.url))
    if is_sqlite(str(url)):
        return f"the SQLite file {url.database}"
    return f"the database {url.database} on {url.host}:{url.port or 5432}"


async def ready_schema(engine: AsyncEngine, *, upgrade: bool) -> str:
    """Check the database and return its revision, which is head on return.

    ``upgrade``: bring an older schema to head (SQLite at start, and ``migrate``);
    otherwise an older schema is :class:`DatabaseBehind`, naming the migrate command.
    Raises :class:`DatabaseProblem` (or its subclasses) with one line otherwise.
    """
    name = where(engine)
    try:
        current, has_tables = await _state(engine)
        head = head_revision()
        if current is None and has_tables:
            raise DatabaseProblem(
                f"{name} has tables but no migration record, so it was not made by this "
                "coach: point DATABASE_URL at the coach's own database, or at a new one"
            )
        if current is not None and current != head and not _known(current):
            raise DatabaseProblem(
                f"{name} is at migration {current}, which this version does not know: a "
                "newer version of the coach upgraded it. Run that version, or restore a "
                "backup made before the upgrade"
            )
        if current != head:
            if not upgrade:
                raise DatabaseBehind(
                    f"{name} is at migration {current or 'none'}, the code needs {head}: "
                    f"run `{MIGRATE}`"
                )
            await upgrade_to_head(engine)
            current = await current_revision(engine)
        await _check_writable(engine, name)
        return current or head
    except DatabaseProblem:
        raise
    except (OSError, InterfaceError) as exc:
        raise DatabaseUnreachable(f"{name} does not answer: {_reason(exc)}") from None
    except (OperationalError, SQLDatabaseError, DBAPIError) as exc:
        raise _explain(name, exc) from None


async def _state(engine: AsyncEngine) -> tuple[str | None, bool]:
    def _tables(connection: Connection) -> bool:
        return bool(inspect(connection).get_table_names())

    revision = await current_revision(engine)
    async with engine.connect() as connection:
        return revision, await connection.run_sync(_tables)


async def _check_writable(engine: AsyncEngine, name: str) -> None:
    """A read-only database reads fine, and the first step would fail: find out now."""
    read_only = DatabaseProblem(
        f"{name} is read-only: the coach saves every step, so it needs to write there"
    )
    async with engine.begin() as connection:
        if is_sqlite(str(engine.url)):
            # Writing the header field back unchanged is a write that changes nothing.
            version = (await connection.exec_driver_sql("PRAGMA user_version")).scalar_one()
            await connection.exec_driver_sql(f"PRAGMA user_version = {int(version)}")
        else:
            flag = await connection.exec_driver_sql("SHOW transaction_read_only")
            if flag.scalar_one() == "on":
                raise read_only


def _known(revision: str) -> bool:
    scripts = ScriptDirectory.from_config(alembic_config(""))
    return any(script.revision == revision for script in scripts.walk_revisions())


def _explain(name: str, exc: DBAPIError) -> DatabaseProblem:
    original = exc.orig
    text = str(original).lower()
    if isinstance(original, sqlite3.DatabaseError) and "not a database" in text:
        return DatabaseProblem(f"{name} is not a SQLite database: check DATABASE_URL")
    if "readonly" in text or "read-only" in text or "read only" in text:
        return DatabaseProblem(
            f"{name} is read-only: the coach saves every step, so it needs to write there"
        )
    if "unable to open" in text:
        return DatabaseProblem(f"can't open {name}: check that its folder exists and is writable")
    if "disk is full" in text or "disk full" in text:
        return DatabaseProblem(f"{name} has no room left: free some disk space")
    if isinstance(exc, OperationalError) and not isinstance(original, sqlite3.Error):
        return DatabaseUnreachable(f"{name} does not answer: {_reason(exc)}")
    return DatabaseProblem(f"{name} can't be used: {_reason(exc)}")


def _reason(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    first = str(original).strip().splitlines()
    return first[0] if first else type(original).__name__
