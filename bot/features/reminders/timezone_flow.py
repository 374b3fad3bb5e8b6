"""/timezone: which IANA zone the runner lives in, asked once when reminders need it.

The answer can be a button (common zones), a zone or city name in any case (typos
get suggestions), or the local time where the runner is, which narrows the zones down
to those whose clocks show it now. The zone is stored as its IANA name, never as an
offset, and the runner's reminders move with it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import ClassVar

from bot.core.calendar import known_zone
from bot.core.flow import CommandDef, Flow, Steps
from bot.core.ports import OptionSpec
from bot.core.stores import StoreFactory
from bot.core.texts import UnderstandingTexts
from bot.core.turn import Turn
from bot.core.understanding import plain_words, typed_no, typed_ordinal, typed_yes
from bot.features.reminders.describe import clock_text
from bot.features.reminders.options import ReminderOptions
from bot.features.reminders.parsing import BadTime, parse_clock
from bot.features.reminders.state import ZoneQuestion
from bot.features.reminders.store import (
    ACTIVE,
    ReminderRepository,
    ReminderStore,
    next_fire,
    rule_of,
)
from bot.features.reminders.texts import ReminderTexts
from bot.features.reminders.zones import (
    MAX_SUGGESTIONS,
    ZoneFound,
    resolve_zone,
    suggest_zones,
    zones_at_local_time,
)

NAME = "timezone"
ASK = "ask"
CHOOSE = "choose"
PICK = "tz.pick."
OTHER = "tz.other"
MAX_CHOICES = 8


def ask_zone(turn: Turn, texts: ReminderTexts, *, then: str | None = None, args: str = "") -> None:
    """Ask for the zone; after it is saved, run command ``then`` with ``args``."""
    options = [choice.zone for choice in texts.common_zones]
    labels = [choice.label for choice in texts.common_zones]
    turn.goto(NAME, ASK, ZoneQuestion(options=tuple(options), then=then, args=args))
    prompt = texts.timezone.ask_first if then else texts.timezone.ask
    _offer(turn, texts, prompt, labels, other=True)


def _offer(
    turn: Turn, texts: ReminderTexts, prompt: str, labels: list[str], *, other: bool = False
) -> None:
    choices = [turn.choice(label, f"{PICK}{index}") for index, label in enumerate(labels)]
    if other:
        choices.append(turn.choice(texts.timezone.other_button, OTHER))
    turn.say(prompt, choices=choices)


def _pending(turn: Turn) -> tuple[str | None, str]:
    """The command waiting for the zone, if the runner is being asked for it now."""
    if turn.state.flow != NAME:
        return None, ""
    question = turn.data(ZoneQuestion)
    return question.then, question.args


class TimeZones(Flow):
    name = NAME
    commands = (CommandDef("timezone", takes_text=True),)
    steps: ClassVar[Steps] = {ASK: ZoneQuestion, CHOOSE: ZoneQuestion}

    def __init__(
        self,
        texts: ReminderTexts,
        options: ReminderOptions,
        store: StoreFactory[ReminderStore] = ReminderRepository,
    ) -> None:
        self.texts = texts
        self.options = options
        self.store = store

    def command_options(self, command: str) -> tuple[OptionSpec, ...]:
        ranking = self.texts.zone_ranking()
        return (
            OptionSpec(
                "zone",
                self.texts.options.zone,
                suggest=lambda typed: suggest_zones(typed, ranking, MAX_SUGGESTIONS),
            ),
        )

    async def command(self, turn: Turn, name: str, args: str) -> None:
        texts = self.texts.timezone
        # Answering "which zone?" with /timezone still carries on with what asked for it.
        then, then_args = _pending(turn)
        if args:
            turn.goto(NAME, ASK, ZoneQuestion(then=then, args=then_args))
            if not await self.text(turn, args):
                await self.not_understood(turn, args)
            return
        current = known_zone(turn.user.time_zone)
        if current is not None:
            turn.say(texts.current.format(zone=current, time=clock_text(turn.now, current)))
        ask_zone(turn, self.texts, then=then, args=then_args)

    async def choice(self, turn: Turn, action: str) -> None:
        options = turn.data(ZoneQuestion).options
        if action == OTHER:
            turn.say(self.texts.timezone.other_prompt)
            return
        index = action.removeprefix(PICK)
        if action.startswith(PICK) and index.isdigit() and int(index) < len(options):
            await self._save(turn, options[int(index)])
            return
        await super().choice(turn, action)

    async def text(self, turn: Turn, text: str) -> bool:
        texts = self.texts
        heard = turn.texts.understanding
        question = turn.data(ZoneQuestion)
        if turn.state.step == CHOOSE:
            # Zones were proposed: "yes" takes the first, "the second one" that one, and
            # "no" asks again from the start.
            picked = typed_ordinal(text, len(question.options), heard)
            if picked is None and typed_yes(text, heard) and question.options:
                picked = 0
            if picked is not None:
                await self._save(turn, question.options[picked])
                return True
            if typed_no(text, heard):
                ask_zone(turn, texts, then=question.then, args=question.args)
                return True
        elif typed_yes(text, heard) or typed_no(text, heard):
            # No one zone was proposed: a yes keeps the zone already set, if any.
            current = known_zone(turn.user.time_zone)
            if current is not None and typed_yes(text, heard):
                turn.say(
                    texts.timezone.kept.format(zone=current, time=clock_text(turn.now, current))
                )
                turn.finish()
                if question.then is not None:
                    turn.redirect(question.then, question.args)
            else:
                self.reprompt_which(turn)
            return True
        text = _without_no(text, heard)  # "no, chicago": the zone, as a correction
        picked = typed_ordinal(text, len(question.options), heard)
        if turn.state.step == ASK and picked is not None and question.options:
            await self._save(turn, question.options[picked])  # "1": the first button
            return True
        local = parse_clock(text, texts.vocabulary.build(), bare_hour=False)
        if local is None:
            local = parse_clock(self._without_filler(text), texts.vocabulary.build())
        if isinstance(local, BadTime):
            turn.say(texts.timezone.bad_time.format(text=local.text))
            return True
        if local is not None:
            candidates = zones_at_local_time(local, turn.now, texts.zone_ranking(), MAX_CHOICES)
            shown = f"{local.hour:02d}:{local.minute:02d}"
            if not candidates:
                turn.say(texts.timezone.no_zone_for_time.format(time=shown))
            elif len(candidates) == 1:
                await self._save(turn, candidates[0])
            else:
                self._suggest(turn, texts.timezone.pick_for_time.format(time=shown), candidates)
            return True
        found = resolve_zone(text, turn.now, texts.zone_ranking())
        if isinstance(found, ZoneFound):
            await self._save(turn, found.name)
        elif found.names:
            self._suggest(turn, texts.timezone.suggest.format(typed=text), found.names)
        else:
            # Nothing like a place or a time: the passes after the step may know it (an FAQ
            # question); the zone question and its buttons stay.
            return False
        return True

    async def not_understood(self, turn: Turn, text: str) -> None:
        turn.say(self.texts.timezone.unknown.format(typed=text.strip()))

    def reprompt_which(self, turn: Turn) -> None:
        """ "Which one?", with the question's buttons again (the common zones)."""
        question = turn.data(ZoneQuestion)
        labels = self._labels(self.texts, list(question.options))
        _offer(turn, self.texts, self.texts.timezone.which_zone, labels, other=True)

    def _without_filler(self, text: str) -> str:
        """ "it's 6:00 am here" -> "6:00 am": a local time among everyday words, or the
        empty string when words other than the filler remain beside it."""
        filler = sorted(
            (plain_words(f) for f in self.texts.timezone.time_filler), key=len, reverse=True
        )
        body = " " + " ".join(text.lower().replace("'", "").split()) + " "
        for phrase in filler:
            body = body.replace(f" {phrase} ", " ")
        return body.strip()

    async def reprompt(self, turn: Turn) -> None:
        question = turn.data(ZoneQuestion)
        options = list(question.options)
        if options:
            texts = self.texts.timezone
            labels = self._labels(self.texts, options)
            prompt = texts.ask_first if question.then else texts.ask
            _offer(turn, self.texts, prompt, labels, other=True)
        else:
            turn.say(self.texts.timezone.other_prompt)

    def _suggest(self, turn: Turn, prompt: str, names: tuple[str, ...]) -> None:
        question = replace(turn.data(ZoneQuestion), options=names)
        turn.goto(NAME, CHOOSE, question)
        _offer(turn, self.texts, prompt, list(names), other=True)

    @staticmethod
    def _labels(texts: ReminderTexts, options: list[str]) -> list[str]:
        common = {choice.zone: choice.label for choice in texts.common_zones}
        return [common.get(option, option) for option in options]

    async def _save(self, turn: Turn, zone_name: str) -> None:
        texts = self.texts
        question = turn.data(ZoneQuestion)
        turn.user.time_zone = zone_name
        moved = await move_reminders(turn, zone_name, self.options, self.store)
        turn.say(texts.timezone.saved.format(zone=zone_name, time=clock_text(turn.now, zone_name)))
        if moved:
            moved_text = (
                texts.reminders.zone_moved_one if moved == 1 else texts.reminders.zone_moved
            )
            turn.say(moved_text.format(count=moved, zone=zone_name))
        turn.finish()
        if question.then is not None:
            turn.redirect(question.then, question.args)


def _without_no(text: str, heard: UnderstandingTexts) -> str:
    """ "no, chicago" -> "chicago"; any other text as it was."""
    first, _, rest = text.strip().partition(" ")
    if rest.strip() and typed_no(first, heard):
        return rest.strip(" ,.;:-")
    return text


async def move_reminders(
    turn: Turn, zone_name: str, options: ReminderOptions, store: StoreFactory[ReminderStore]
) -> int:
    """Put every open reminder of the runner on ``zone_name`` and recompute when it fires."""
    repo = turn.store(store)
    soonest: datetime | None = None
    moved = 0
    for reminder in await repo.open_for_user(turn.user.id):
        if reminder.time_zone == zone_name:
            continue
        moved += 1
        if reminder.status != ACTIVE:  # a paused one is rescheduled when it resumes
            await repo.move_to_zone(reminder, zone_name, reminder.next_fire_at, turn.now)
            continue
        fire_at = next_fire(rule_of(reminder, zone_name), turn.now)
        await repo.move_to_zone(reminder, zone_name, fire_at, turn.now)
        if fire_at is None:
            if reminder.snooze_until is None:  # a one-off whose time has passed in the new zone
                await repo.mark_done(reminder, turn.now)
        elif soonest is None or fire_at < soonest:
            soonest = fire_at
    if soonest is not None:
        wake_at = soonest

        async def wake() -> None:
            options.wakeup.changed(wake_at)

        turn.after_commit.append(wake)
    return moved
