"""Paced counts on Telegram and Discord: edits a minute, the tightest gap, and 429s.

Runners press "Count me through" on each drill of the standard warm-up, all at the same
moments, on the real python-telegram-bot and discord.py against the stand-ins. The
stand-ins enforce the platforms' limits (Telegram: 30 messages a second overall, 1 a
second per chat with a burst of 3, edits included; Discord: the interaction token's
15 minutes and 5 edits in 5 s per interaction) and are timed by the same injected clock
as the coach, so a minute of counting takes a second or two to run and is judged as the
minute it stands for. The count's timer is driven every 0.5 s of that clock, as the
scheduler drives it.

Run: `python bench/counts.py` (options: --runners). Prints, per platform: count edits,
edits a minute per count message, the shortest gap between two edits of one message,
and the 429s the stand-in answered.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != HERE]

from bot.app import build_coach, count_runner  # noqa: E402
from bot.core.engine import Coach  # noqa: E402
from bot.features.counts.runner import CountRunner  # noqa: E402
from bot.storage.database import create_engine, session_factory  # noqa: E402
from bot.storage.migrations import upgrade_to_head  # noqa: E402
from bot.testing import FakeClock, sessions_of, shipped_content  # noqa: E402
from tests.adapters.discord_harness import (  # noqa: E402
    make_adapter,
    newest_with,
    press_through,
    running,
)
from tests.adapters.telegram_harness import running_bot, sent_message, step  # noqa: E402
from tests.standins.discord_api import DiscordStandIn  # noqa: E402
from tests.standins.discord_objects import StoredMessage  # noqa: E402
from tests.standins.telegram_api import Call, RateLimits, TelegramStandIn  # noqa: E402

DRILLS = 3
COUNT_SECONDS = 70.0  # longer than any standard drill's count
TICK = 0.5


@dataclass(frozen=True, slots=True)
class Figures:
    platform: str
    edits: int
    per_minute: float
    min_gap: float
    throttled: int


def runner_of(coach: Coach) -> CountRunner:
    runner = count_runner(coach)
    assert runner is not None
    return runner


async def tick(coach: Coach, clock: FakeClock, seconds: float) -> None:
    runner = runner_of(coach)
    for _ in range(round(seconds / TICK)):
        clock.advance(seconds=TICK)
        await runner.run_due()


async def until_showing(runner: CountRunner, count: int) -> None:
    """Until the adapters have the platforms' answers for the counts' first messages
    (the stand-ins have the messages a moment before)."""
    while runner.showing < count:  # noqa: ASYNC110 (nothing to wait on but the runner)
        await asyncio.sleep(0.005)


def figures(platform: str, per_message: Sequence[Sequence[float]], throttled: int) -> Figures:
    edits = sum(len(times) for times in per_message)
    rates = [(len(t) - 1) / ((t[-1] - t[0]) / 60) for t in per_message if len(t) > 1]
    gaps = [b - a for times in per_message for a, b in itertools.pairwise(times)]
    per_minute = sum(rates) / len(rates) if rates else 0.0
    return Figures(platform, edits, per_minute, min(gaps, default=0.0), throttled)


def count_edits(calls: Sequence[Call]) -> list[float]:
    """When the count's own edits came: up to its end (not the later mark of a press)."""
    times = []
    for call in calls:
        times.append(call.at)
        if "all counted" in call.params.get("text", ""):
            break
    return times


async def telegram(coach: Coach, clock: FakeClock, runners: int) -> Figures:
    async with TelegramStandIn(
        rate_limits=RateLimits(), clock=lambda: clock.now().timestamp()
    ) as api:
        users = [api.user(f"runner{n}") for n in range(runners)]
        chats = [api.private_chat(user) for user in users]
        async with running_bot(api, coach, sessions_of(coach)) as adapter:
            runner_of(coach).attach({"telegram": adapter})

            async def tap(n: int, label: str, expect: str) -> None:
                await step(api, chats[n], users[n], label, expect)

            for n in range(runners):
                clock.advance(seconds=5)
                api.send_command(chats[n], users[n], "start")
                await api.wait_for(sent_message(chats[n], buttons=True))
                for label, expect in (("I understand", "Thanks!"),):
                    clock.advance(seconds=5)
                    await tap(n, label, expect)
                clock.advance(seconds=5)
                api.send_command(chats[n], users[n], "warmup")
                await api.wait_for(sent_message(chats[n], containing="how do your hips"))
                for label, expect in (
                    ("Loose 😊", "sharp"),
                    ("No, just stiff or fine", "Drill 1 of 3"),
                ):
                    clock.advance(seconds=5)
                    await tap(n, label, expect)
            counted: list[tuple[int, int]] = []
            for drill in range(DRILLS):
                clock.advance(seconds=5)
                for n in range(runners):
                    clock.advance(seconds=0.2)  # runners press within moments, not at once
                    mark = api.mark()
                    await tap(n, "Count me through", "get ready")
                    [opening] = api.calls_since(mark, "sendMessage")
                    counted.append((n, int(opening.result["message_id"])))
                await until_showing(runner_of(coach), runners)
                await tick(coach, clock, COUNT_SECONDS)
                if drill + 1 < DRILLS:
                    for n in range(runners):
                        clock.advance(seconds=2)
                        await tap(n, "Done", f"Drill {drill + 2} of 3")
            per_message = [
                count_edits(api.edits_of(chats[n], message_id)) for n, message_id in counted
            ]
            return figures("telegram", per_message, len(api.throttled))


async def discord(coach: Coach, clock: FakeClock, runners: int) -> Figures:
    texts = shipped_content().texts
    async with DiscordStandIn(clock=lambda: clock.now().timestamp()) as api:
        users = [api.user(f"runner{n}") for n in range(runners)]
        async with running(make_adapter(api, coach), api) as adapter:
            runner_of(coach).attach({"discord": adapter})
            drills: list[StoredMessage] = []
            for user in users:
                record = await api.command(user, "warmup")
                disclaimer = await newest_with(api, record, texts.start.accept)
                soreness = await press_through(
                    api, user, disclaimer, texts.start.accept, "Loose 😊"
                )
                sharp = await press_through(api, user, soreness, "Loose 😊", texts.warmup.sharp_no)
                drills.append(await press_through(api, user, sharp, texts.warmup.sharp_no, "Done"))
            tokens: list[str] = []
            for drill in range(DRILLS):
                counting: list[StoredMessage] = []
                for user, shown in zip(users, drills, strict=True):
                    pressed = await api.press(user, shown, texts.warmup.count_me)
                    tokens.append(pressed.token)
                    counting.append(await newest_with(api, pressed, texts.warmup.count_stop))
                await until_showing(runner_of(coach), runners)
                await tick(coach, clock, COUNT_SECONDS)
                if drill + 1 < DRILLS:
                    drills = [
                        await press_through(api, user, api.messages[message.id], "Done", "Done")
                        for user, message in zip(users, counting, strict=True)
                    ]
            per_message = [api.webhook_edits.get(token, []) for token in tokens]
            return figures("discord", per_message, len(api.rate_limited))


async def platform(name: str, runners: int) -> Figures:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.sqlite3"
        engine = create_engine(url)
        try:
            await upgrade_to_head(engine)
            clock = FakeClock()
            coach = build_coach(session_factory(engine), shipped_content(), clock=clock)
            run = telegram if name == "telegram" else discord
            return await run(coach, clock, runners)
        finally:
            await engine.dispose()


async def main(runners: int) -> None:
    logging.basicConfig(level=logging.ERROR)
    for name in ("telegram", "discord"):
        found = await platform(name, runners)
        print(
            f"{found.platform:8}  runners={runners}  count edits={found.edits}  "
            f"edits/min per count message={found.per_minute:.1f}  "
            f"shortest gap={found.min_gap:.1f} s  429s={found.throttled}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runners", type=int, default=5, help="runners counting at once")
    asyncio.run(main(parser.parse_args().runners))
