"""What check-ins offer the rest of the coach (wired in bot.app): the after-run question
the reminders send, advice for the next warm-up, and lines for /progress."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from bot.core.calendar import zone_or_utc
from bot.core.messages import Reply
from bot.core.ports import MakeButton, RunAdvice, RunToAsk
from bot.core.stores import StoreFactory
from bot.core.turn import Turn
from bot.features.checkins import payloads
from bot.features.checkins.content import FEELINGS, CheckinContent
from bot.features.checkins.store import CheckinAnswerRepository, CheckinStore


class AfterRunQuestion:
    """:class:`~bot.core.ports.CheckinQuestion`: "How did your hips feel on your 07:00
    run?" with Fine / Tight / Sore / Pain, each naming the run it answers."""

    def __init__(self, content: CheckinContent) -> None:
        self.words = content.words

    def __call__(self, run: RunToAsk, button: MakeButton) -> Reply:
        words = self.words
        local = run.run_at.astimezone(zone_or_utc(run.zone))
        lines = [words.question_planned.format(time=local.strftime("%H:%M"))]
        if run.late:
            lines.append(words.late)
        if run.repeat:
            lines.append(words.repeat)
        minute = payloads.to_minute(run.run_at)
        choices = tuple(
            button(words.feelings[f], payloads.answer(f, run.delivery_id, minute)) for f in FEELINGS
        )
        return Reply("\n".join(lines), choices=choices)


class LastRunAdvice:
    """:class:`~bot.core.ports.AfterRunAdvice` from the newest answers given after
    ``after`` (the last completed warm-up): tight → roll that area first; sore → gentle;
    pain → check on it first; fine several runs in a row → praise."""

    def __init__(
        self, content: CheckinContent, store: StoreFactory[CheckinStore] = CheckinAnswerRepository
    ) -> None:
        self.content = content
        self.store = store

    async def __call__(self, turn: Turn, after: datetime | None) -> RunAdvice | None:
        content = self.content
        words = content.words
        newest = await turn.store(self.store).newest(turn.user.id, content.praise_after)
        if not newest:
            return None
        last = newest[0]
        if turn.now - last.answered_at > timedelta(days=content.advice_days):
            return None
        if after is not None and last.answered_at <= after and last.feeling != "fine":
            return None  # a warm-up has taken it into account already
        area = content.area(last.area)
        name = content.named(last.area, last.side)
        if last.feeling == "tight":
            rolling = area.rolling if area else "\n".join(a.rolling for a in content.areas)
            return RunAdvice(words.advice_tight.format(area=name), rolling=rolling)
        if last.feeling == "sore":
            return RunAdvice(words.advice_sore.format(area=name), gentle=True)
        if last.feeling == "pain":
            return RunAdvice(words.advice_pain.format(area=name), gentle=True, triage=True)
        if len(newest) >= content.praise_after and all(a.feeling == "fine" for a in newest):
            return RunAdvice(words.advice_praise.format(count=len(newest)))
        return None


class CheckinProgress:
    """:class:`~bot.core.ports.CheckinLines`: the check-ins in the /progress window."""

    def __init__(
        self, content: CheckinContent, store: StoreFactory[CheckinStore] = CheckinAnswerRepository
    ) -> None:
        self.words = content.words
        self.store = store

    async def __call__(self, turn: Turn, since: datetime, tz: tzinfo) -> list[str]:
        answers = await turn.store(self.store).since(turn.user.id, since)
        if not answers:
            return []
        counts = {f: sum(1 for a in answers if a.feeling == f) for f in FEELINGS}
        return [self.words.progress_line.format(**counts)]
