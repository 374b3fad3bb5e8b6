"""/forget on PostgreSQL: the runner's rows are deleted, then their tables are vacuumed
after the reply, so no dead row version of theirs stays in the tables' pages."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.app import build_coach
from bot.content import Content
from bot.core.messages import ConversationKey
from bot.storage.database import SqlDatabase, create_engine, session_factory
from bot.storage.migrations import upgrade_to_head
from bot.storage.personal_data import personal_tables
from bot.testing import Chat, FakeClock

USER = "runner-zq81x"
REPORT = "zebra-quokka knot in my left glute, tight, about 4/10"


async def needle_in_pages(connection: AsyncConnection, needle: bytes) -> int:
    """Pages of the runner's tables (and their TOAST) whose raw bytes hold ``needle``."""
    await connection.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
    found = 0
    for table in personal_tables():
        relations = [table]
        toast = await connection.scalar(
            text("SELECT reltoastrelid::regclass::text FROM pg_class WHERE oid = :t ::regclass"),
            {"t": table},
        )
        if toast and toast != "-":
            relations.append(toast)
        for relation in relations:
            pages = await connection.scalar(
                text("SELECT pg_relation_size(:r ::regclass) / current_setting('block_size')::int"),
                {"r": relation},
            )
            for page in range(int(pages or 0)):
                raw = await connection.scalar(
                    text("SELECT get_raw_page(:r, :p)"), {"r": relation, "p": page}
                )
                found += bytes(raw).count(needle)
    return found


async def vacuum_stats(connection: AsyncConnection) -> dict[str, tuple[bool, int]]:
    rows = await connection.execute(
        text(
            "SELECT relname, last_vacuum IS NOT NULL, n_dead_tup FROM pg_stat_user_tables"
            " WHERE relname = ANY(:tables)"
        ),
        {"tables": personal_tables()},
    )
    return {name: (vacuumed, dead) for name, vacuumed, dead in rows}


async def test_forget_vacuums_the_runners_tables_after_the_reply(
    pg_url: str, content: Content
) -> None:
    engine = create_engine(pg_url)
    try:
        await upgrade_to_head(engine)
        coach = build_coach(session_factory(engine), content, clock=FakeClock())
        # Another runner's rows share the pages, so the tables can't simply be truncated.
        other = Chat(coach, ConversationKey("terminal", "console", "someone-else"))
        chat = Chat(coach, ConversationKey("terminal", "console", USER))
        for runner, report in ((other, "my right calf is tight, 3/10"), (chat, REPORT)):
            await runner.command("start")
            await runner.press(content.texts.start.accept)
            await runner.say(report)  # clear enough: its plan, and the report, at once
        async with engine.connect() as connection:
            before = await needle_in_pages(connection, b"zebra-quokka")
        assert before > 0

        await chat.command("forget")
        await chat.press(content.texts.privacy.forget_yes)
        assert content.texts.privacy.forgotten in chat.last_text()
        assert isinstance(coach.database, SqlDatabase)
        await coach.database.settle()

        async with engine.connect() as connection:
            # The statistics arrive a moment after the vacuum ends.
            for _ in range(50):
                stats = await vacuum_stats(connection)
                if all(vacuumed for vacuumed, _ in stats.values()):
                    break
                await asyncio.sleep(0.1)
                await connection.rollback()  # a fresh snapshot of the statistics
            assert stats == {table: (True, 0) for table in personal_tables()}
            left = await needle_in_pages(connection, b"zebra-quokka")
            # Not asserted: VACUUM frees the space but leaves the old bytes in it until
            # something new is written there (see README, Data).
            print(f"\ntraces of the report text in the pages: {before} before, {left} after")
    finally:
        await engine.dispose()
