"""/club: a group's or server's club runs, set by its admins, and the presses on
"Warm up with me" under the group's message before each run.

Who may set runs is the platform's word (``Turn.member``): a Telegram group's admins, a
Discord member who manages the server or has the role an admin named. Anyone may list
them. A press counts the member for the neutral after-run line and sends them their
own warm-up in private; the group sees nothing of it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from bot.core.calendar import zone_or_utc
from bot.core.flow import CommandDef, Flow, Steps
from bot.core.messages import Platform, Tone
from bot.core.ports import OptionSpec
from bot.core.state import FlowData
from bot.core.turn import Turn
from bot.features.clubs import form
from bot.features.clubs.models import Club, ClubRun
from bot.features.clubs.outbox import WARM_PREFIX
from bot.features.clubs.parsing import Problem, RunRequest, parse_run
from bot.features.clubs.rules import encode_weekdays
from bot.features.clubs.schedule import (
    AFTER_RUN,
    MAX_LEAD_MINUTES,
    RunRule,
    next_run,
    next_summary,
)
from bot.features.clubs.store import ACTIVE, ClubRepository
from bot.features.clubs.texts import ClubTexts

MAX_RUNS = 10
GO_ACTION = "club.go"
_DELETE = re.compile(r"^del\.(\d{1,9})$")
_ROLE = re.compile(r"^<@&(\d{1,20})>$")
# A name to be called by: letters, digits, spaces and a little punctuation; no @ or <>.
_NAME = re.compile(r"^[\w][\w .'-]{0,31}$")

Wake = Callable[[datetime | None], None]


def _no_wake(at: datetime | None) -> None:
    """No scheduler in this process (a conversation test): the table holds the truth."""


@dataclass(frozen=True, slots=True)
class Listing(FlowData):
    """/club showed the runs with Delete buttons (to an admin)."""


class Clubs(Flow):
    name = "clubs"
    commands = (CommandDef("club", takes_text=True, open=True, admin=True),)
    global_prefixes = (WARM_PREFIX, GO_ACTION)
    public_prefixes = (WARM_PREFIX,)
    steps: ClassVar[Steps] = {"listing": Listing, **form.STEPS}

    def __init__(self, texts: ClubTexts, *, wake: Wake = _no_wake) -> None:
        self.texts = texts
        self.wake = wake

    def command_options(self, command: str) -> tuple[OptionSpec, ...]:
        o = self.texts.options
        return (
            OptionSpec("action", o.action, choices=tuple((v, k) for k, v in o.actions.items())),
            OptionSpec("days", o.days),
            OptionSpec("time", o.time),
            OptionSpec("zone", o.zone),
            OptionSpec("minutes", o.minutes),
            OptionSpec("value", o.value),
        )

    # --- /club ---
    async def command(self, turn: Turn, name: str, args: str) -> None:
        texts = self.texts
        if turn.is_private:
            turn.say(texts.groups_only)
            return
        words = texts.vocabulary
        head, _, rest = args.strip().partition(" ")
        verb = head.casefold()
        store = turn.store(ClubRepository)
        club = await store.club(turn.key.platform, turn.key.chat_id)
        if not verb or verb == "list":
            await self._list(turn, club)
            return
        space = (turn.member.space if turn.member else None) or turn.key.chat_id
        if verb in words.name:  # any member's own choice, not an admin's
            club = club or await store.club_or_new(
                turn.key.platform, turn.key.chat_id, space, turn.now
            )
            await self._name(turn, club, rest.strip())
            return
        if not await self._may_set(turn, club):
            return
        club = club or await store.club_or_new(turn.key.platform, turn.key.chat_id, space, turn.now)
        if club.status != ACTIVE:
            await store.resume(club, turn.now)  # the coach is back: an admin talks to it
            turn.say(texts.resumed)
        if verb in words.run:
            await self._add(turn, club, rest)
        elif verb in words.edit:
            await self._edit(turn, club, rest)
        elif verb in words.delete:
            await self._delete(turn, club, rest.strip())
        elif verb in words.weekly:
            await self._weekly(turn, club, rest.strip().casefold())
        elif verb in words.role:
            await self._role(turn, club, rest.strip())
        else:
            turn.say(texts.usage)

    async def _may_set(self, turn: Turn, club: Club | None) -> bool:
        texts = self.texts
        member = turn.member
        if member is None:
            turn.say(texts.admin_unknown)
            return False
        role = club.admin_role if club is not None else None
        if member.admin or (role is not None and role in member.roles):
            return True
        if turn.key.platform == Platform.DISCORD.value:
            turn.say(
                texts.not_admin_role.format(role=f"<@&{role}>") if role else texts.not_admin_discord
            )
        else:
            turn.say(texts.not_admin_telegram)
        return False

    async def _list(self, turn: Turn, club: Club | None) -> None:
        texts = self.texts
        runs = await turn.store(ClubRepository).runs(club.id) if club is not None else []
        if not runs:
            turn.say(texts.none_yet)
            return
        lines = [texts.listed_title]
        lines += [self._line(number, run) for number, run in enumerate(runs, 1)]
        lines.append(texts.weekly_is_on if club and club.weekly_summary else texts.weekly_is_off)
        member = turn.member
        admin = member is not None and (
            member.admin or (club is not None and club.admin_role in member.roles)
        )
        if not admin:
            turn.say("\n".join(lines))
            return
        turn.goto(self.name, "listing", Listing())
        choices = [
            turn.choice(texts.delete_button.format(number=n), f"del.{n}", Tone.DANGER)
            for n in range(1, len(runs) + 1)
        ]
        turn.say("\n".join(lines), choices=choices)

    def _line(self, number: int, run: ClubRun) -> str:
        names = self.texts.day_names
        days = ", ".join(names[int(d)] for d in run.weekdays)
        return self.texts.run_line.format(
            number=number, days=days, time=run.run_time, zone=run.time_zone, lead=run.lead_minutes
        )

    def _parsed(self, turn: Turn, text: str) -> RunRequest | None:
        texts = self.texts
        parsed = parse_run(text, texts.vocabulary)
        if isinstance(parsed, RunRequest):
            return parsed
        turn.say(
            {
                Problem.USAGE: texts.usage,
                Problem.DAYS: texts.bad_days,
                Problem.TIME: texts.bad_time.format(value=parsed.value),
                Problem.ZONE: texts.bad_zone.format(value=parsed.value),
                Problem.LEAD: texts.bad_lead.format(most=MAX_LEAD_MINUTES),
            }[parsed.problem]
        )
        return None

    async def _add(self, turn: Turn, club: Club, text: str) -> None:
        if not text.strip():
            form.ask_days(turn, self.texts, form.RunForm())
            return
        parsed = self._parsed(turn, text)
        if parsed is not None:
            await self._save(turn, club, parsed)

    async def _edit(self, turn: Turn, club: Club, text: str) -> None:
        parts = text.split()
        # The run's number first ("edit 1 sun 09:00 ..."), or last (Discord's options).
        number = next((p for p in (parts[:1] + parts[-1:]) if p.isdigit() and len(p) < 3), None)
        runs = await turn.store(ClubRepository).runs(club.id)
        if number is None or not 1 <= int(number) <= len(runs):
            turn.say(self.texts.no_such_run.format(number=number or "?"))
            return
        parts.remove(number)
        parsed = self._parsed(turn, " ".join(parts))
        if parsed is not None:
            await self._save(turn, club, parsed, replacing=(int(number), runs[int(number) - 1]))

    async def _save(
        self,
        turn: Turn,
        club: Club,
        parsed: RunRequest,
        replacing: tuple[int, ClubRun] | None = None,
    ) -> None:
        texts = self.texts
        store = turn.store(ClubRepository)
        runs = await store.runs(club.id)
        if replacing is None and len(runs) >= MAX_RUNS:
            turn.say(texts.too_many.format(most=MAX_RUNS))
            return
        number, old = replacing or (len(runs) + 1, None)
        rule = RunRule(parsed.weekdays, parsed.run_time, parsed.zone, parsed.lead_minutes)
        run = await store.save_run(
            club,
            old,
            weekdays=encode_weekdays(parsed.weekdays),
            run_time=parsed.run_time.strftime("%H:%M"),
            zone=parsed.zone,
            lead_minutes=parsed.lead_minutes,
            next_fire_at=next_run(rule, turn.now).invite_at,
            now=turn.now,
        )
        summary = club.next_summary_at
        if club.weekly_summary and summary is None:
            summary = next_summary(parsed.zone, turn.now)
        await store.set_summary(club, club.weekly_summary, parsed.zone, summary, turn.now)
        said = texts.edited if replacing else texts.saved
        turn.finish()
        turn.say(said.format(run=self._line(number, run)))
        self._wake_after_commit(turn, run.next_fire_at)

    async def _delete(self, turn: Turn, club: Club, which: str) -> None:
        runs = await turn.store(ClubRepository).runs(club.id)
        if not which.isdigit() or not 1 <= int(which) <= len(runs):
            turn.say(self.texts.no_such_run.format(number=which[:10] or "?"))
            return
        run = runs[int(which) - 1]
        line = self._line(int(which), run)
        await turn.store(ClubRepository).delete_run(run)
        turn.finish()
        turn.say(self.texts.deleted.format(run=line))

    async def _weekly(self, turn: Turn, club: Club, value: str) -> None:
        words = self.texts.vocabulary
        store = turn.store(ClubRepository)
        zone = club.summary_zone
        if value in words.on:
            due = next_summary(zone, turn.now) if zone is not None else None
            await store.set_summary(club, True, zone, due, turn.now)
            turn.say(self.texts.weekly_on)
            self._wake_after_commit(turn, due)
        elif value in words.off:
            await store.set_summary(club, False, zone, None, turn.now)
            turn.say(self.texts.weekly_off)
        else:
            turn.say(self.texts.weekly_is_on if club.weekly_summary else self.texts.weekly_is_off)

    async def _name(self, turn: Turn, club: Club, name: str) -> None:
        texts = self.texts
        store = turn.store(ClubRepository)
        if name.casefold() in texts.vocabulary.off:
            await store.set_name(club.id, turn.user.id, None, turn.now)
            turn.say(texts.not_named)
            return
        if not _NAME.match(name) or "http" in name.casefold():
            turn.say(texts.name_bad)
            return
        await store.set_name(club.id, turn.user.id, name, turn.now)
        turn.say(texts.named.format(name=name))

    async def _role(self, turn: Turn, club: Club, mention: str) -> None:
        match = _ROLE.match(mention)
        if match is None:
            turn.say(self.texts.role_bad)
            return
        await turn.store(ClubRepository).set_role(club, match.group(1), turn.now)
        turn.say(self.texts.role_set.format(role=mention))

    def _wake_after_commit(self, turn: Turn, at: datetime | None) -> None:
        async def wake() -> None:
            self.wake(at)

        turn.after_commit.append(wake)

    # --- the Delete buttons under the list ---
    async def choice(self, turn: Turn, action: str) -> None:
        if action.startswith("f.") and turn.state.step in form.STEPS:
            await self._form_press(turn, action)
            return
        match = _DELETE.match(action)
        if match is None:
            await super().choice(turn, action)
            return
        club = await turn.store(ClubRepository).club(turn.key.platform, turn.key.chat_id)
        if club is None:
            turn.finish()
            return
        await self._delete(turn, club, match.group(1))

    async def _form_press(self, turn: Turn, action: str) -> None:
        store = turn.store(ClubRepository)
        club = await store.club(turn.key.platform, turn.key.chat_id)
        if club is None:
            turn.finish()
            return
        done = form.pressed(turn, self.texts, action, self._zones(turn, club))
        if done is not None:
            await self._save(turn, club, done)

    @staticmethod
    def _zones(turn: Turn, club: Club) -> tuple[str, ...]:
        """Zones worth a button: the club's, then the admin's own."""
        return tuple(z for z in (club.summary_zone, turn.user.time_zone) if z)

    async def text(self, turn: Turn, text: str) -> bool:
        if turn.state.step in form.STEPS and turn.state.step != form.ZONE:
            action = form.typed_action(turn, self.texts, text, turn.texts.understanding)
            if action is None:
                return False
            await self._form_press(turn, action)
            return True
        return form.typed_zone(turn, self.texts, text)

    async def reprompt(self, turn: Turn) -> None:
        step = turn.state.step
        if step in form.STEPS:
            data = turn.data(form.RunForm)
            club = await turn.store(ClubRepository).club(turn.key.platform, turn.key.chat_id)
            known = self._zones(turn, club) if club is not None else ()
            {
                form.DAYS: lambda: form.ask_days(turn, self.texts, data),
                form.HOUR: lambda: form.ask_hour(turn, self.texts, data),
                form.MINUTE: lambda: form.ask_minute(turn, self.texts, data),
                form.ZONE: lambda: form.ask_zone(turn, self.texts, data, known),
                form.LEAD: lambda: form.ask_lead(turn, self.texts, data),
            }[step]()
            return
        await self.command(turn, "club", "")

    # --- "Warm up with me" and the private Start button ---
    async def global_choice(self, turn: Turn, action: str) -> None:
        if action == GO_ACTION:
            turn.redirect("warmup")
            return
        number = action.removeprefix(WARM_PREFIX)
        store = turn.store(ClubRepository)
        invite = await store.invite(int(number)) if number.isdigit() else None
        texts = self.texts
        if invite is None or turn.now > invite.occurrence_at + AFTER_RUN:
            turn.notice = texts.invite_over
            return
        await store.press(invite, turn.user.id, turn.now)
        local = invite.occurrence_at.astimezone(zone_or_utc(invite.run_zone))
        day = texts.day_names[local.weekday()]
        # The press itself is answered with a note, never by editing the group's message:
        # its button stays there for everyone else.
        turn.notice = texts.already_pressed.format(day=day)
        turn.say(
            texts.private_start.format(day=day, time=local.strftime("%H:%M")),
            choices=(turn.global_choice(texts.start_button, GO_ACTION, Tone.GO),),
            private=True,
            quiet=True,
            private_start="warmup",
        )
