"""PostgreSQL going away under a running coach: every runner gets the short "couldn't
save that" answer, never a traceback; the log says so once a minute, not once a step,
and when the server is back, steps save again."""

from __future__ import annotations

import contextlib
import logging

import pytest
from sqlalchemy.engine import make_url

from bot.app import build_coach
from bot.core.messages import ConversationKey
from bot.storage.database import create_engine, session_factory
from bot.storage.migrations import upgrade_to_head
from bot.testing import Chat, FakeClock, shipped_content
from tests.storage.conftest import pg_url  # noqa: F401  (fixture)
from tests.storage.test_readiness import Outage

pytestmark = pytest.mark.postgres


async def test_steps_during_an_outage_get_one_line_a_minute(
    pg_url: str,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = make_url(pg_url)
    outage = Outage(url.host or "127.0.0.1", url.port or 5432)
    await outage.restore()
    engine = create_engine(url.set(host="127.0.0.1", port=outage.port).render_as_string(False))
    content = shipped_content()
    clock = FakeClock()
    try:
        await upgrade_to_head(engine)
        coach = build_coach(session_factory(engine), content, clock=clock)
        chats = [Chat(coach, ConversationKey("terminal", f"c{n}", f"u{n}")) for n in range(5)]
        await chats[0].command("start")
        await outage.cut()
        caplog.set_level(logging.DEBUG)
        unsaved = content.texts.common.not_saved_unreachable
        for chat in chats:
            outcome = await chat.command("help")
            assert [r.text for r in outcome.replies] == [unsaved]
        said = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert [r.getMessage().split(" ")[0] for r in said] == ["step_not_saved"], said
        assert all(r.exc_info is None for r in caplog.records)
        clock.advance(minutes=1)
        await chats[0].command("help")
        said = [r for r in caplog.records if "step_not_saved" in r.getMessage()]
        assert sum(r.levelno >= logging.WARNING for r in said) == 2
        assert "steps=" in said[-1].getMessage()
        await outage.restore()
        outcome = await chats[1].command("start")
        assert outcome.replies[0].text != unsaved
    finally:
        await engine.dispose()
        with contextlib.suppress(AssertionError):
            await outage.cut()
