"""/remind, /reminders and the buttons on a reminder: pre-run reminders in local time.

``/remind`` walks through days (toggle buttons), run time, minutes before and a
confirmation; ``/remind mon wed fri 06:30 30`` does it in one line. ``/reminders``
lists each reminder with Pause/Resume, Edit and Delete. The reminder message carries
Start warm-up, Snooze and Skip. Every change is one transaction (nothing is stored
half-way) and, once committed, tells the scheduler when the reminder now fires.
What the buttons of the list and of the reminder message do is in ``actions``; their
actions are built and read in ``payloads``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import ClassVar

from bot.core.calendar import known_zone, zone
from bot.core.flow import CommandDef, Flow, Steps
from bot.core.messages import Tone
from bot.core.ports import OptionSpec
from bot.core.stores import StoreFactory
from bot.core.turn import Turn
from bot.core.understanding import (
    plain_words,
    spell_numbers,
    typed_label,
    typed_no,
    typed_phrase,
    typed_yes,
)
from bot.features.reminders import payloads
from bot.features.reminders.actions import ONE_REMINDER_OFFER, ReminderActions
from bot.features.reminders.describe import days_text, summary, when
from bot.features.reminders.options import ReminderOptions
from bot.features.reminders.parsing import (
    ALL_DAYS,
    WORKING_DAYS,
    AlreadyPassed,
    BadLead,
    BadTime,
    Correction,
    MixedDays,
    NoDays,
    NoTime,
    ParseError,
    RelativeDay,
    ReminderRequest,
    TooMany,
    UnknownWords,
    Vocabulary,
    parse_clock,
    parse_correction,
    parse_days,
    parse_lead,
    parse_reminder,
    parse_spoken_clock,
    to_rule,
)
from bot.features.reminders.payloads import (
    DeliveryVerb,
    ListVerb,
    OnDelivery,
    OnReminder,
    StartWarmup,
)
from bot.features.reminders.rules import (
    MAX_LEAD_MINUTES,
    Rule,
    encode_weekdays,
    format_hhmm,
)
from bot.features.reminders.state import Draft
from bot.features.reminders.store import (
    ACTIVE,
    DONE,
    PAUSED,
    ReminderRepository,
    ReminderStore,
    next_fire,
    rule_of,
)
from bot.features.reminders.texts import ReminderTexts
from bot.features.reminders.timezone_flow import ask_zone
from bot.features.reminders.zones import MAX_SUGGESTIONS

NAME = "reminders"
# "/remind edit:12" is how the Edit button enters the form (ownership is checked).
EDIT = "edit:"
_EDIT_ARGS = re.compile(r"^edit:(\d{1,12})$")
# "/remind words:mon at 7": asked for in plain words, kept while the time zone is asked.
WORDS = "words:"
# "/reminders stop" ("stop my reminders"): the list, saying how to pause or delete each.
STOP = "stop"
LEADS = (15, 30, 45, 60)


def suggest_days(typed: str, presets: Sequence[str]) -> tuple[str, ...]:
    """Day sets to offer while the runner types: the presets that fit, their own words
    first (anything may be typed; the reminder reads it as usual)."""
    typed = " ".join(typed.casefold().split())
    fitting = [p for p in presets if p.startswith(typed)] + [
        p for p in presets if typed in p and not p.startswith(typed)
    ]
    own = [typed] if typed and typed not in presets else []
    return tuple([*own, *fitting][:MAX_SUGGESTIONS])


class Saved(Enum):
    SAVED = "saved"
    REFUSED = "refused"
    PASSED = "passed"


def parse_error_text(error: ParseError, texts: ReminderTexts) -> str:
    remind = texts.remind
    match error:
        case BadTime(text=text):
            return remind.bad_time.format(text=text)
        case UnknownWords(words=words):
            return remind.unknown_words.format(words=" ".join(words))
        case NoDays():
            return remind.no_days
        case NoTime():
            return remind.no_time
        case BadLead(text=text):
            return remind.bad_lead.format(text=text, max=MAX_LEAD_MINUTES)
        case TooMany(text=text):
            return remind.too_many.format(text=text)
        case MixedDays():
            return remind.mixed_days
    raise AssertionError(f"unhandled parse error {error!r}")


class Reminders(Flow):
    name = NAME
    commands = (CommandDef("remind", takes_text=True), CommandDef("reminders"))
    global_prefixes = (payloads.PREFIX,)
    steps: ClassVar[Steps] = {"days": Draft, "time": Draft, "lead": Draft, "confirm": Draft}

    def __init__(
        self,
        texts: ReminderTexts,
        options: ReminderOptions,
        store: StoreFactory[ReminderStore] = ReminderRepository,
    ) -> None:
        self.texts = texts
        self.options = options
        self.store = store
        self.actions = ReminderActions(texts, options, store)
        self.vocabulary: Vocabulary = texts.vocabulary.build()

    def command_options(self, command: str) -> tuple[OptionSpec, ...]:
        """/remind's parts, joined into the one line it reads ("mon wed fri 06:30 30min")."""
        if command != "remind":
            return ()
        words = self.texts.options
        presets = words.day_presets
        lead = self.texts.remind.lead_button
        return (
            OptionSpec("days", words.days, suggest=lambda typed: suggest_days(typed, presets)),
            OptionSpec("time", words.time),
            OptionSpec(
                "before",
                words.before,
                choices=tuple((lead.format(minutes=n), str(n)) for n in LEADS),
                template="{}min",
            ),
        )

    # --- commands ---
    async def command(self, turn: Turn, name: str, args: str) -> None:
        if name == "reminders":
            turn.finish()
            await self.actions.show_list(turn, stopping=args.strip().lower() == STOP)
            return
        in_words = turn.in_words or args.startswith(WORDS)
        if in_words:
            args = args.removeprefix(WORDS).strip()
            # "remind me later", right after a reminder: that one again, soon.
            if args and await self._reminder_reply(turn, args, snooze_only=True):
                return
        zone_name = known_zone(turn.user.time_zone)
        if zone_name is None:
            ask_zone(turn, self.texts, then="remind", args=f"{WORDS}{args}" if in_words else args)
            return
        if in_words:
            await self._from_words(turn, args, zone_name)
            return
        edit = _EDIT_ARGS.match(args)
        if edit is not None:
            await self._start_edit(turn, int(edit.group(1)))
            return
        if args:
            turn.finish()
            await self._one_line(turn, args, zone_name)
            return
        if await self._at_limit(turn):
            return
        self._goto(turn, "days", Draft())
        self._ask_days(turn)

    async def _from_words(self, turn: Turn, args: str, zone_name: str) -> None:
        """ "remind me mon wed fri at 6:30": the form with what was said filled in, asking
        only what is missing (minutes before, say), then the confirmation."""
        turn.finish()
        if await self._at_limit(turn):
            return
        found = parse_correction(args, self.vocabulary) if args else None
        draft = Draft()
        if isinstance(found, Correction):
            draft = _apply(draft, found, turn.now.astimezone(zone(zone_name)).date())
        elif found is not None:
            turn.say(parse_error_text(found, self.texts))
        if not draft.days and draft.once_on is None:
            self._goto(turn, "days", draft)
            self._ask_days(turn)
        elif draft.time is None:
            self._goto(turn, "time", draft)
            self._ask_time(turn)
        elif draft.lead is None:
            self._goto(turn, "lead", draft)
            self._ask_lead(turn)
        else:
            self._goto(turn, "confirm", draft)
            self._confirm(turn, zone_name)

    async def claims_text(self, turn: Turn, text: str) -> bool:
        """A bare "yes" right after a reminder message (the coach's last word here) is its
        Start warm-up button; "pause it" right after a list of one reminder, its Pause."""
        offered = turn.offered or ""
        if offered.startswith(ONE_REMINDER_OFFER) and offered[len(ONE_REMINDER_OFFER) :].isdigit():
            listing = self.texts.reminders
            groups = [listing.pause_words, listing.resume_words, listing.delete_words]
            picked = typed_phrase(text, groups)
            if picked is not None:
                reminder_id = int(offered[len(ONE_REMINDER_OFFER) :])
                act = (self.actions.pause, self.actions.resume, self.actions.delete)[picked]
                await act(turn, reminder_id)
                return True
        if await self._reminder_reply(turn, text):
            return True
        heard = turn.texts.understanding
        idle_agree = {plain_words(w) for w in heard.idle_agree}
        if not typed_yes(text, heard) and plain_words(text) not in idle_agree:
            return False
        if not await self.actions.just_sent(turn):
            return False
        turn.redirect("warmup")
        return True

    async def _reminder_reply(self, turn: Turn, text: str, *, snooze_only: bool = False) -> bool:
        """Snooze or Skip in words ("later", "not today") while a reminder is the coach's
        newest word here, as its buttons."""
        fire = self.texts.fire
        groups = [fire.snooze_words] if snooze_only else [fire.snooze_words, fire.skip_words]
        picked = typed_phrase(text, groups)
        if picked is None:
            return False
        delivered = await self.actions.just_delivered(turn)
        if delivered is None:
            return False
        reminder_id, delivery_id = delivered
        turn.finish()
        act = self.actions.snooze if picked == 0 else self.actions.skip
        await act(turn, reminder_id, delivery_id)
        return True

    async def _one_line(
        self, turn: Turn, args: str, zone_name: str, edit: int | None = None
    ) -> None:
        parsed = parse_reminder(args, self.vocabulary)
        if not isinstance(parsed, ReminderRequest):
            turn.say(parse_error_text(parsed, self.texts))
            return
        rule = to_rule(
            parsed,
            zone_name=zone_name,
            now=turn.now,
            default_lead=self.options.default_lead_minutes,
        )
        if isinstance(rule, AlreadyPassed):
            turn.say(self.texts.remind.already_passed)
            return
        await self._save(turn, rule, edit)

    # --- the guided form ---
    def _goto(self, turn: Turn, step: str, draft: Draft) -> None:
        turn.goto(NAME, step, draft)

    def _draft(self, turn: Turn) -> Draft:
        return turn.data(Draft)

    def _ask_days(self, turn: Turn, *, toggled: bool = False) -> None:
        """The days question; after a tap on a day (``toggled``) it is the same question
        with that day's button changed, shown in place where the platform can, so its
        words stay as they were: the buttons show which days are chosen."""
        texts = self.texts
        remind = texts.remind
        chosen = self._draft(turn).days
        choices = [
            turn.choice(
                (remind.day_on if day in chosen else remind.day_off).format(name=name),
                f"day.{day}",
            )
            for day, name in enumerate(texts.day_names)
        ]
        choices += [
            turn.choice(remind.every_day_button, "days.all"),
            turn.choice(remind.working_days_button, "days.work"),
            turn.choice(remind.today_button, "once.today"),
            turn.choice(remind.tomorrow_button, "once.tomorrow"),
            turn.choice(remind.done_button, "days.done", Tone.GO),
        ]
        prompt = (
            remind.ask_days_chosen.format(days=days_text(chosen, texts))
            if chosen and not toggled
            else remind.ask_days
        )
        turn.say(prompt, choices=choices, in_place=toggled)

    def _ask_time(self, turn: Turn) -> None:
        current = self._draft(turn).time
        choices = [turn.choice(current, "time.keep")] if current else []
        turn.say(self.texts.remind.ask_time, choices=choices, asks_number=True)

    def _ask_lead(self, turn: Turn) -> None:
        remind = self.texts.remind
        current = self._draft(turn).lead
        leads = list(LEADS)
        if current is not None and current not in leads:
            leads.append(current)
        choices = [turn.choice(remind.lead_button.format(minutes=n), f"lead.{n}") for n in leads]
        turn.say(remind.ask_lead.format(max=MAX_LEAD_MINUTES), choices=choices, asks_number=True)

    def _confirm(self, turn: Turn, zone_name: str) -> None:
        remind = self.texts.remind
        rule = self._draft(turn).rule(zone_name)
        assert rule is not None
        turn.say(
            remind.confirm.format(summary=summary(rule, self.texts)),
            choices=[
                turn.choice(remind.save_button, "save", Tone.GO),
                turn.choice(remind.restart_button, "restart"),
                turn.choice(remind.cancel_button, "cancel"),
            ],
        )

    async def reprompt(self, turn: Turn) -> None:
        step = turn.state.step
        zone_name = known_zone(turn.user.time_zone)
        if step == "days":
            self._ask_days(turn)
        elif step == "time":
            self._ask_time(turn)
        elif step == "lead":
            self._ask_lead(turn)
        elif step == "confirm" and zone_name is not None:
            self._confirm(turn, zone_name)
        else:
            turn.finish()

    async def choice(self, turn: Turn, action: str) -> None:
        zone_name = known_zone(turn.user.time_zone)
        if zone_name is None:
            ask_zone(turn, self.texts, then="remind")
            return
        draft = self._draft(turn)
        step = turn.state.step
        if step == "days":
            await self._days_choice(turn, action, draft, zone_name)
        elif step == "time" and action == "time.keep" and draft.time:
            self._goto(turn, "lead", draft)
            self._ask_lead(turn)
        elif (
            step == "lead"
            and action.startswith("lead.")
            and action[5:].isdigit()
            # A button says only what the step offered; a forged one may say 9999.
            and int(action[5:]) <= MAX_LEAD_MINUTES
        ):
            await self._got_lead(turn, int(action[5:]), zone_name)
        elif step == "confirm":
            await self._confirm_choice(turn, action, draft, zone_name)
        else:
            await super().choice(turn, action)

    async def _days_choice(self, turn: Turn, action: str, draft: Draft, zone_name: str) -> None:
        today = turn.now.astimezone(zone(zone_name)).date()
        if action.startswith("day.") and action[4:].isdigit() and int(action[4:]) < 7:
            self._goto(turn, "days", draft.with_days(draft.days ^ {int(action[4:])}))
            self._ask_days(turn, toggled=True)
        elif action == "days.done" and not draft.days:
            turn.say(self.texts.remind.no_days_chosen)
            self._goto(turn, "days", draft)
            self._ask_days(turn)
        elif action in ("days.all", "days.work", "days.done", "once.today", "once.tomorrow"):
            chosen = {
                "days.all": draft.with_days(ALL_DAYS),
                "days.work": draft.with_days(WORKING_DAYS),
                "days.done": draft,
                "once.today": draft.with_once(today),
                "once.tomorrow": draft.with_once(today + timedelta(days=1)),
            }[action]
            self._goto(turn, "time", chosen)
            self._ask_time(turn)
        else:
            await super().choice(turn, action)

    async def _got_lead(self, turn: Turn, lead: int, zone_name: str) -> None:
        draft = replace(self._draft(turn), lead=lead)
        self._goto(turn, "confirm", draft)
        self._confirm(turn, zone_name)

    async def _confirm_choice(self, turn: Turn, action: str, draft: Draft, zone_name: str) -> None:
        if action == "save":
            rule = draft.rule(zone_name)
            outcome = Saved.REFUSED if rule is None else await self._save(turn, rule, draft.edit)
            if outcome is Saved.PASSED:
                self._goto(turn, "time", draft)
                self._ask_time(turn)
            else:
                turn.finish()
        elif action == "restart":
            self._goto(turn, "days", Draft(edit=draft.edit))
            self._ask_days(turn)
        elif action == "cancel":
            turn.finish()
            turn.say(turn.texts.common.cancelled)
        else:
            await super().choice(turn, action)

    async def text(self, turn: Turn, text: str) -> bool:
        zone_name = known_zone(turn.user.time_zone)
        if zone_name is None:
            ask_zone(turn, self.texts, then="remind")
            return True
        # Text the step cannot take is left to the passes after it ("how long should I
        # foam roll for?" is an FAQ question); only if none knows it does the step say why
        # (``not_understood``). The question and its buttons stay either way.
        step = turn.state.step
        if step == "days":
            return await self._days_text(turn, text, zone_name)
        if step == "time":
            at = parse_clock(text, self.vocabulary)
            if at is None:  # "seven", "half past six", "7 in the morning", "at 6"
                spelled = spell_numbers(text, turn.texts.understanding)
                at = parse_spoken_clock(spelled, self.vocabulary)
            if at is None or isinstance(at, BadTime):
                return False
            self._goto(turn, "lead", replace(self._draft(turn), time=format_hhmm(at)))
            self._ask_lead(turn)
            return True
        if step == "lead":
            lead = parse_lead(text, self.vocabulary)
            if lead is None:  # "thirty", "fifteen minutes"
                lead = parse_lead(spell_numbers(text, turn.texts.understanding), self.vocabulary)
            if not isinstance(lead, int):
                return await self._corrected(turn, text, zone_name)
            await self._got_lead(turn, lead, zone_name)
            return True
        if step == "confirm":
            if await self._corrected(turn, text, zone_name):
                return True
            remind = self.texts.remind
            heard = turn.texts.understanding
            labels = [remind.save_button, remind.restart_button, remind.cancel_button]
            picked = typed_label(text, labels)
            if picked is None and (
                typed_yes(text, heard) or typed_phrase(text, [remind.save_words]) is not None
            ):
                picked = 0  # "yes", "yep that's right", "looks good": as the Save button
            if picked is not None:
                action = ("save", "restart", "cancel")[picked]
                await self._confirm_choice(turn, action, self._draft(turn), zone_name)
                return True
            if typed_no(text, heard):
                turn.say(remind.confirm_no)  # the confirmation's buttons stay
                return True
        return False

    async def _corrected(self, turn: Turn, text: str, zone_name: str) -> bool:
        """A change to the reminder ("make it 7am instead", "no, mon and thu", "an hour
        before instead"): applied, then the confirmation again. Also in the middle of the
        form, when the change completes it (editing a reminder starts at its days)."""
        found = parse_correction(text, self.vocabulary)
        if found is None:  # "half past six", "make it seven instead"
            at = parse_spoken_clock(spell_numbers(text, turn.texts.understanding), self.vocabulary)
            if not isinstance(at, time):
                return False
            found = Correction(weekdays=None, day=None, run_time=at, lead_minutes=None)
        if not isinstance(found, Correction):
            turn.say(parse_error_text(found, self.texts))
            return True
        draft = _apply(self._draft(turn), found, turn.now.astimezone(zone(zone_name)).date())
        if draft.rule(zone_name) is None:
            if turn.state.step == "lead" and found.run_time is not None:
                # "make it 7am instead" before the minutes: the time changes, the
                # question stays.
                self._goto(turn, "lead", draft)
                turn.say(self.texts.remind.time_changed.format(time=draft.time))
                self._ask_lead(turn)
                return True
            return False
        self._goto(turn, "confirm", draft)
        self._confirm(turn, zone_name)
        return True

    async def not_understood(self, turn: Turn, text: str) -> None:
        remind = self.texts.remind
        step = turn.state.step
        if step == "days":
            days = parse_days(text, self.vocabulary)
            if not isinstance(days, frozenset | RelativeDay):
                turn.say(parse_error_text(days, self.texts))
            turn.say(remind.days_typed_help)
        elif step == "time":
            turn.say(remind.bad_time.format(text=text.strip()))
        elif step == "lead":
            turn.say(remind.bad_lead_typed.format(max=MAX_LEAD_MINUTES))
        else:
            await super().not_understood(turn, text)

    async def _days_text(self, turn: Turn, text: str, zone_name: str) -> bool:
        draft = self._draft(turn)
        whole = parse_reminder(text, self.vocabulary)
        if isinstance(whole, ReminderRequest):  # the one-line form typed here: take it all
            turn.finish()
            await self._one_line(turn, text, zone_name, draft.edit)
            return True
        days = parse_days(text, self.vocabulary)
        today = turn.now.astimezone(zone(zone_name)).date()
        if isinstance(days, frozenset):
            draft = draft.with_days(days)
        elif isinstance(days, RelativeDay):
            offset = 0 if days is RelativeDay.TODAY else 1
            draft = draft.with_once(today + timedelta(days=offset))
        else:
            return await self._corrected(turn, text, zone_name)
        self._goto(turn, "time", draft)
        self._ask_time(turn)
        return True

    # --- storing ---
    async def _save(self, turn: Turn, rule: Rule, edit: int | None) -> Saved:
        """Store a new reminder or change ``edit``; refusals leave everything as it was."""
        texts = self.texts
        repo = turn.store(self.store)
        weekdays, run_time = encode_weekdays(rule.weekdays), format_hhmm(rule.run_time)
        same = await repo.find_same(turn.user.id, weekdays, rule.once_on, run_time, excluding=edit)
        if same is not None:
            turn.say(texts.remind.duplicate.format(summary=summary(rule_of(same), texts)))
            return Saved.REFUSED
        fire_at = next_fire(rule, turn.now)
        if fire_at is None:
            turn.say(texts.remind.already_passed)
            return Saved.PASSED
        if edit is None:
            if await self._at_limit(turn):
                return Saved.REFUSED
            key = turn.key
            reminder = await repo.create(
                turn.user.id, key.platform, key.chat_id, rule, fire_at, turn.now
            )
            turn.say(
                texts.remind.saved.format(
                    summary=summary(rule, texts), next=self._when(turn, fire_at, rule)
                )
            )
        else:
            found = await repo.get_for_user(turn.user.id, edit)
            if found is None:
                turn.say(texts.reminders.gone)
                return Saved.REFUSED
            reminder = found
            await repo.update_rule(reminder, rule, fire_at, turn.now)
            if reminder.status == DONE:  # a finished one-off given a new run goes again
                await repo.resume_at(reminder, fire_at, turn.now)
            if reminder.status == PAUSED:
                turn.say(texts.remind.updated_paused.format(summary=summary(rule, texts)))
            else:
                turn.say(
                    texts.remind.updated.format(
                        summary=summary(rule, texts), next=self._when(turn, fire_at, rule)
                    )
                )
        if reminder.status == ACTIVE:
            self.actions.wake(turn, fire_at)
        return Saved.SAVED

    async def _at_limit(self, turn: Turn) -> bool:
        """Say so when the runner already has as many reminders as one person may keep."""
        limit = self.options.max_per_user
        if await turn.store(self.store).count_open(turn.user.id) < limit:
            return False
        turn.finish()
        turn.say(self.texts.remind.limit_reached.format(limit=limit))
        return True

    def _when(self, turn: Turn, instant: datetime, rule: Rule) -> str:
        return when(instant, rule.zone, self.texts)

    # --- buttons valid at any time: the reminder message and the list ---
    async def global_choice(self, turn: Turn, action: str) -> None:
        actions = self.actions
        match payloads.parse(action):
            case StartWarmup():
                turn.redirect("warmup")
            case OnDelivery(DeliveryVerb.SNOOZE, reminder_id, delivery_id):
                await actions.snooze(turn, reminder_id, delivery_id)
            case OnDelivery(DeliveryVerb.SKIP, reminder_id, delivery_id):
                await actions.skip(turn, reminder_id, delivery_id)
            case OnReminder(ListVerb.PAUSE, reminder_id):
                await actions.pause(turn, reminder_id)
            case OnReminder(ListVerb.RESUME, reminder_id):
                await actions.resume(turn, reminder_id)
            case OnReminder(ListVerb.DELETE, reminder_id):
                await actions.delete(turn, reminder_id)
            case OnReminder(ListVerb.EDIT, reminder_id):
                await self._edit(turn, reminder_id)
            case _:
                await super().global_choice(turn, action)

    async def _edit(self, turn: Turn, reminder_id: int) -> None:
        # Through the command, so the engine properly ends whatever the runner was doing.
        if await self.actions.owned(turn, reminder_id) is not None:
            turn.redirect("remind", f"{EDIT}{reminder_id}")

    async def _start_edit(self, turn: Turn, reminder_id: int) -> None:
        texts = self.texts
        reminder = await self.actions.owned(turn, reminder_id)
        if reminder is None:
            return
        rule = rule_of(reminder)
        draft = Draft(
            days=rule.weekdays,
            once_on=rule.once_on,
            time=reminder.run_time,
            lead=rule.lead_minutes,
            edit=reminder.id,
        )
        turn.say(texts.reminders.edit_intro.format(summary=summary(rule, texts)))
        self._goto(turn, "days", draft)
        self._ask_days(turn)

    async def restore_after_start(self, turn: Turn) -> None:
        """``/start`` from a runner we could not reach: their paused reminders resume."""
        await self.actions.restore_unreachable(turn)


def _apply(draft: Draft, change: Correction, today: date) -> Draft:
    """The draft with what ``change`` names changed, the rest as it was."""
    if change.weekdays is not None:
        draft = draft.with_days(change.weekdays)
    if change.day is not None:
        offset = 0 if change.day is RelativeDay.TODAY else 1
        draft = draft.with_once(today + timedelta(days=offset))
    if change.run_time is not None:
        draft = replace(draft, time=format_hhmm(change.run_time))
    if change.lead_minutes is not None:
        draft = replace(draft, lead=change.lead_minutes)
    return draft
