"""Fuzz: every typed input and every button payload, in every conversation state.

Hypothesis draws a state (no conversation yet, idle, each step of the warm-up, the
tight-spot report, the reminder set-up, the /forget question) and an input: text of any
Unicode, odd digits (``²``, ``①``, ``٣``, 4,301 nines), soreness numbers, zone names,
times, tight reports, emoji, commands, huge text; or a button payload that is forged,
stale, truncated, someone else's, random bytes or of an old version. Each goes through the
core coach in-process (``bot.testing.Chat``, the terminal's own line parsing), and a fixed
sample goes through the real terminal (``python -m bot console``) as bytes.

What must hold, always: no exception and no error logged, a non-empty answer that is
short and friendly (never the "something went wrong" apology, never a traceback), and a
forged, stale, truncated, foreign or garbage payload changes nothing stored.

Runs derandomized (the same examples every run): 1,100 typed inputs and 900 presses
(``FUZZ_TEXT_EXAMPLES`` and ``FUZZ_PRESS_EXAMPLES`` change that; ``bench/faults.py`` runs more).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import random
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.adapters.terminal import parse_line
from bot.app import build_coach
from bot.content import Content
from bot.core import payloads
from bot.core.messages import ChoiceMade, ConversationKey, Outcome
from bot.storage.database import create_engine, session_factory
from bot.storage.migrations import upgrade_to_head
from bot.storage.models import User
from bot.storage.personal_data import export_user
from bot.testing import Chat, FakeClock, sessions_of, shipped_content
from tests.faults.harness import assert_no_traceback, coach_env, run_coach, sqlite_url

TEXT_EXAMPLES = int(os.environ.get("FUZZ_TEXT_EXAMPLES", "1100"))
PRESS_EXAMPLES = int(os.environ.get("FUZZ_PRESS_EXAMPLES", "900"))
MAX_REPLY = 4096  # one message on every platform
MAX_ANSWER_TO_JUNK = 2500
FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- the conversation states ----------------------------------------------------------

Step = Callable[[Chat], Awaitable[Any]]


def cmd(name: str, args: str = "") -> Step:
    return lambda chat: chat.command(name, args)


def say(text: str) -> Step:
    return lambda chat: chat.say(text)


def act(action: str) -> Step:
    """Press the shown button whose payload does ``action``."""

    async def press(chat: Chat) -> Outcome:
        for choice in chat.last_choices():
            if payloads.Buttons.decode(choice.payload) and choice.payload.endswith(f":{action}"):
                return await chat.press_payload(choice.payload)
        raise AssertionError(f"no {action} button; have {chat.last_choices()}")

    return press


IDLE = [cmd("start"), act("start.accept")]
SORENESS = [*IDLE, cmd("warmup")]
DRILL = [*SORENESS, act("sore.2"), act("sharp.no")]
TIGHT_KIND = [*IDLE, cmd("tight"), say("glute")]
DAYS = [*IDLE, cmd("timezone", "Europe/London"), cmd("remind")]
RUN_TIME = [*DAYS, act("day.0"), act("days.done")]
STATES: dict[str, list[Step]] = {
    "new": [],
    "idle": IDLE,
    "soreness": SORENESS,
    "sharp": [*SORENESS, act("sore.2")],
    "drill": DRILL,
    "hurt": [*DRILL, act("wu.hurt")],
    "tight_pick": [*IDLE, cmd("tight")],
    "tight_kind": TIGHT_KIND,
    "tight_strength": [*TIGHT_KIND, act("tt.kind.pain")],
    "zone": [*IDLE, cmd("remind")],
    "days": DAYS,
    "run_time": RUN_TIME,
    "lead": [*RUN_TIME, say("07:00")],
    "reminder_summary": [*RUN_TIME, say("07:00"), act("lead.30")],
    "forget": [*IDLE, cmd("forget")],
}

# --- typed input ----------------------------------------------------------------------

ODD_DIGITS = [
    "²", "¹⁰", "①", "⑩", "٣", "７", "𝟕", "Ⅻ", "½", "⁴⁄₁₀", "9" * 4301, "1" * 1999, "٣/١٠",
    "７/10", "-1", "+7", "7.5", "1e9", "0x10", "NaN", "inf", "0", "10", "11", "007", "10/10",
    "7/5", "180", "181", "-0", "\u0660", "\u0967", "\u0e53",
]  # fmt: skip
TIMES = [
    "06:30", "6:30am", "18h30", "7", "25:99", "24:00", "7:60", "12:00 pm", "00:00", "noon",
    "6.30", "６:３０", "²:³⁰", "99:99:99", "13pm", "0:00am", "23:59",
]  # fmt: skip
ZONES = [
    "Europe/London", "europe/lodnon", "UTC+5:30", "UTC+14", "UTC-12", "UTC+99", "Etc/GMT+5",
    "GMT", "Asia/Kolkata", "new york", "kolkata", "14:35", "Mars/Olympus", "../../etc/passwd",
    "Europe/London\x00", "Europe/" + "x" * 300,
]  # fmt: skip
AREAS = ["glute", "hamstring", "quads", "hip flexor", "groin", "itb", "calf", "knee", "back"]
SIDES = ["left", "right", "both", "not my left", "no, just right", ""]
FEELINGS = ["tight", "knotted", "sore", "sharp pain", "numb", "burning", "stiff", ""]
EMOJI = st.text(st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF), min_size=1)
COMMANDS = [
    "start", "warmup", "tight", "remind", "reminders", "timezone", "export", "forget",
    "progress", "help", "cancel", "nope", "WARMUP!!", "warmup@HipCoachBot", "", "x" * 80,
]  # fmt: skip

score = st.one_of(st.sampled_from(ODD_DIGITS), st.integers(-1000, 1000).map(str))
report = st.builds(
    lambda side, area, feeling, value: f"{side} {area} {feeling} {value}".strip(),
    st.sampled_from(SIDES),
    st.sampled_from(AREAS),
    st.sampled_from(FEELINGS),
    st.one_of(score, score.map(lambda s: f"{s}/10"), st.just("")),
)
huge = st.builds(lambda ch, n: ch * n, st.characters(), st.integers(1990, 6000))
typed = st.one_of(
    st.text(max_size=300),
    st.sampled_from(ODD_DIGITS),
    score,
    st.sampled_from(TIMES),
    st.sampled_from(ZONES),
    report,
    EMOJI,
    huge,
    st.builds(lambda c, a: f"/{c} {a}", st.sampled_from(COMMANDS), st.text(max_size=60)),
    st.builds(lambda parts: " ".join(parts), st.lists(st.sampled_from(ODD_DIGITS + TIMES + AREAS))),
)

# --- button payloads ------------------------------------------------------------------

OWNER_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
ACTIONS = [
    "start.accept", "sore.5", "sore.99", "sore.²", "sharp.no", "wu.done", "wu.hurt",
    "hurt.sharp", "tt.pick.glutes", "tt.side.left", "tt.int.10", "tt.int.99", "tt.yes",
    "day.0", "day.7", "days.done", "lead.30", "lead.9999", "save", "tz.pick.0", "tz.pick.99",
    "forget.yes", "menu.warmup", "go.warmup", "go.nothing", "rem.snooze.1", "x",
]  # fmt: skip
owner = st.text(st.sampled_from(OWNER_CHARS), min_size=8, max_size=8)
scope = st.one_of(
    st.just("-"), st.text(st.sampled_from("abcdefghij0123456789"), min_size=6, max_size=6)
)
forged = st.builds(
    lambda o, s, a: f"v2:{o}:{s}:{a}", owner, scope, st.sampled_from(ACTIONS)
)  # fmt: skip
press_kind = st.sampled_from(["forged", "stale", "truncated", "foreign", "bytes", "old", "own"])


@dataclass
class World:
    """One coach on one SQLite file for the whole module; each example is a new runner."""

    loop: asyncio.AbstractEventLoop
    engine: AsyncEngine
    chat_for: Callable[[], Chat]
    errors: list[logging.LogRecord] = field(default_factory=list)

    def run(self, step: Awaitable[Any]) -> Any:
        return self.loop.run_until_complete(step)


class _Errors(logging.Handler):
    def __init__(self, into: list[logging.LogRecord]) -> None:
        super().__init__(logging.ERROR)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(record)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    loop = asyncio.new_event_loop()
    path = tmp_path_factory.mktemp("fuzz") / "coach.sqlite3"
    engine = create_engine(sqlite_url(path))
    loop.run_until_complete(upgrade_to_head(engine))
    coach = build_coach(session_factory(engine), shipped_content(), clock=FakeClock())
    runners = itertools.count()

    def chat_for() -> Chat:
        return Chat(coach, ConversationKey("terminal", "console", f"fuzz-{next(runners)}"))

    errors: list[logging.LogRecord] = []
    handler = _Errors(errors)
    logging.getLogger().addHandler(handler)
    try:
        yield World(loop, engine, chat_for, errors)
    finally:
        logging.getLogger().removeHandler(handler)
        loop.run_until_complete(engine.dispose())
        loop.close()


async def reach(chat: Chat, state: str) -> list[str]:
    """Drive a new runner to ``state``; return the scoped payloads shown on the way."""
    shown: list[str] = []
    for step in STATES[state]:
        await step(chat)
        shown += [c.payload for c in chat.last_choices() if ":-:" not in c.payload]
    return shown


async def stored(chat: Chat) -> dict[str, Any]:
    """Everything stored about the runner, less the prompt nonce (a re-sent prompt with
    fresh buttons renews it; the step itself stays)."""
    async with sessions_of(chat.coach)() as session:
        user_id = await session.scalar(
            select(User.id).where(
                User.platform == chat.key.platform, User.platform_user_id == chat.key.user_id
            )
        )
        if user_id is None:
            return {}
        rows = await export_user(session, user_id)
    for row in rows.get("conversations", []):
        row["state"] = {k: v for k, v in (row.get("state") or {}).items() if k != "nonce"}
    return rows


def assert_friendly(outcome: Outcome, *, junk: bool = False) -> None:
    apology = shipped_content().texts.common.error
    texts = [reply.text for reply in outcome.replies]
    assert texts or outcome.notice, "an answer, always"
    for text in [*texts, outcome.notice or ""]:
        assert apology not in text
        assert "Traceback" not in text
        assert len(text) <= MAX_REPLY
    assert all(text.strip() for text in texts)
    if junk:
        assert sum(map(len, texts)) <= MAX_ANSWER_TO_JUNK, texts


@settings(FUZZ, max_examples=TEXT_EXAMPLES)
@given(state=st.sampled_from(sorted(STATES)), line=typed)
def test_any_typed_line_in_any_state_gets_a_short_friendly_answer(
    world: World, state: str, line: str
) -> None:
    chat = world.chat_for()
    world.run(reach(chat, state))
    world.errors.clear()
    outcome = world.run(chat.send(parse_line(line, chat.last_choices())))
    assert world.errors == [], [r.getMessage() for r in world.errors]
    assert_friendly(outcome, junk=True)


@settings(FUZZ, max_examples=PRESS_EXAMPLES)
# Found by bench/faults.py's longer run: a lead no button offers once reached Rule().
@example(state="lead", kind="own", token="v2:AAAAAAAA:-:lead.9999", junk=b"", cut=0)
@given(
    state=st.sampled_from(sorted(set(STATES) - {"new"})),
    kind=press_kind,
    token=forged,
    junk=st.binary(max_size=80),
    cut=st.integers(0, 30),
)
def test_no_forged_stale_or_garbage_press_changes_anything(
    world: World, state: str, kind: str, token: str, junk: bytes, cut: int
) -> None:
    chat = world.chat_for()
    shown = world.run(reach(chat, state))
    live = [c.payload for c in chat.last_choices()]
    owner: Chat | None = None  # whose button it is, when it is someone else's
    if kind == "forged":
        payload = token  # nobody's owner tag matches without the coach's key
    elif kind == "stale":
        old = [p for p in shown if p not in live]
        payload = old[cut % len(old)] if old else token
    elif kind == "truncated":
        source = live[cut % len(live)] if live else token
        payload = source[: min(cut, source.rindex(":") + 1)]  # never a whole other action
    elif kind == "foreign":
        owner = world.chat_for()
        world.run(reach(owner, state))
        theirs = [c.payload for c in owner.last_choices()]
        payload = theirs[cut % len(theirs)] if theirs else token
    elif kind == "bytes":
        payload = junk.decode("utf-8", errors="replace")
    elif kind == "old":
        payload = "v1:" + token.split(":", 1)[1]
    else:  # own owner tag and the live scope, an action the step may not offer
        tag = chat.coach.buttons.owner_tag(chat.key.user_id)
        nonce = live[0].split(":")[2] if live else "-"
        payload = f"v2:{tag}:{nonce}:{token.rsplit(':', 1)[1]}"
    before = world.run(stored(chat))
    owner_before = world.run(stored(owner)) if owner is not None else None
    world.errors.clear()
    outcome = world.run(chat.send(ChoiceMade(payload)))
    assert world.errors == [], [r.getMessage() for r in world.errors]
    assert_friendly(outcome)
    if kind == "own":
        return  # the runner's own well-formed press: validated by its step, may act
    assert not outcome.accepted, (kind, payload)
    assert world.run(stored(chat)) == before, (kind, payload)
    if owner is not None:
        assert world.run(stored(owner)) == owner_before, payload


# --- the real terminal ----------------------------------------------------------------

SAMPLE_LINES = 160


def terminal_sample(seed: int = 20261201) -> bytes:
    """A fixed sample of raw input lines, as bytes: the pools above, bytes that are not
    UTF-8, control characters, carriage returns and one line over 1 MiB."""
    rng = random.Random(seed)
    pools = [ODD_DIGITS, TIMES, ZONES, AREAS, [f"/{c}" for c in COMMANDS], ["1", "2", "3", "9"]]
    lines: list[bytes] = [b"/start", b"1"]
    for _ in range(SAMPLE_LINES):
        roll = rng.random()
        if roll < 0.6:
            lines.append(rng.choice(rng.choice(pools)).encode())
        elif roll < 0.7:
            lines.append(
                bytes(rng.randrange(256) for _ in range(rng.randrange(1, 60))).replace(b"\n", b"")
            )
        elif roll < 0.8:
            lines.append(
                "".join(chr(rng.randrange(0x20, 0x2FFFF)) for _ in range(40)).encode(
                    errors="replace"
                )
            )
        elif roll < 0.9:
            lines.append(rng.choice([b"/warmup", b"/tight", b"/remind", b"/forget", b"/cancel"]))
        else:
            lines.append(
                rng.choice([b"\x00\x07\x1b[2J", b"\r", b"a\rb", b"\t", b" ", b"\xef\xbb\xbf1"])
            )
    lines.insert(len(lines) // 2, b"/help " + b"7" * (3 << 19))
    return b"\n".join(lines) + b"\n"


def test_a_sample_of_raw_lines_through_the_real_terminal(content: Content, tmp_path: Path) -> None:
    sample = terminal_sample()
    env = coach_env(sqlite_url(tmp_path / "coach.sqlite3"), tmp_path / "data")
    result = run_coach(["console"], env, tmp_path / "run", input=sample, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert_no_traceback(result.stdout, result.stderr)
    assert content.texts.common.error not in result.stdout
    assert result.stderr == ""  # not one warning or error logged
    # Every line was read as one line and answered: the echo shows each once.
    assert result.stdout.count("\n\n> ") == sample.count(b"\n")
