"""The coach: turns one inbound event into replies, one conversation at a time.

Each event is handled in a single database transaction: load the user and the
conversation's saved state, let the flow decide, save the new state together with
whatever the flow wrote, record the platform's update id (with the replies to keep, see
:class:`~bot.core.ports.ReplyOutbox`), commit. A new process on the same database
therefore picks up exactly where the user was.

Exactly once: the update id is a unique key written in the step's own transaction. A
repeat (Telegram delivering an update again after a restart, a Discord RESUME replaying
an event) conflicts with it, the step is rolled back and the outcome says ``repeat``:
nothing is sent again. An update whose step did not commit (a crash, an error) has no
record, so a redelivery handles it.
"""

from __future__ import annotations

import asyncio
import logging
import re
import weakref
from collections.abc import Sequence
from datetime import datetime, timedelta

from rapidfuzz import fuzz, process

from bot.core import payloads
from bot.core.content import ContentError, Safety
from bot.core.counts import Counts
from bot.core.flow import CommandDef, Flow
from bot.core.messages import ChoiceMade, Command, ConversationKey, Inbound, Outcome, Reply, Text
from bot.core.ports import Clock, CommandSpec
from bot.core.prompts import ask_consent, send_menu
from bot.core.state import FlowState
from bot.core.stores import (
    ConversationStore,
    Database,
    NotSaved,
    StepConflict,
    StoreFactory,
    UpdateLog,
)
from bot.core.texts import CoreWords
from bot.core.turn import Turn
from bot.core.understanding import (
    RUN_OFFER,
    IdleReplyPass,
    RequestPass,
    SocialPass,
    TextPass,
    Understanding,
    plain_words,
)

log = logging.getLogger(__name__)

MAX_TEXT = 2000
NOT_SAVED_LOG_EVERY = timedelta(minutes=1)  # between lines about a database that is away
MAX_REDIRECTS = 3
GO_PREFIX = "go."
"""A "Did you mean /warmup?" button: run that command."""
TYPO_CUTOFF = 75.0
"""Least similarity (0-100) for a typed word to read as a command: "warmp" is /warmup,
"wrm" is nothing."""
TYPO_MIN_LENGTH = 4
TYPO_TIE = 10.0
"""Commands this close to the best near miss are offered too: "reminder" is as likely
/remind as /reminders."""
TYPO_MAX_OFFERS = 2
_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
# Control characters (but not newline or tab) are dropped from typed text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


class _Repeat(Exception):
    """The update's id was recorded already: roll the step back."""


class Coach:
    """The platform-neutral conversation core.

    ``handle`` is the single entry point for adapters. Events for one conversation are
    handled strictly in order; different conversations run concurrently. An event with
    an ``update_id`` is handled at most once per platform and id (``updates``, bound to
    the step's transaction; without it ids are not recorded).
    """

    def __init__(
        self,
        database: Database,
        conversations: StoreFactory[ConversationStore],
        words: CoreWords,
        safety: Safety,
        flows: Sequence[Flow],
        *,
        clock: Clock,
        idle_after: timedelta = timedelta(hours=2),
        buttons: payloads.Buttons | None = None,
        passes: Sequence[TextPass] = (),
        after_step: Sequence[TextPass] = (),
        updates: StoreFactory[UpdateLog] | None = None,
        counts: Counts | None = None,
    ) -> None:
        self.database = database
        # A paced count belongs to the prompt it was started from: a step that moves on
        # from that prompt (an answer, /cancel, a red flag, another command) stops it.
        self.counts = counts
        self.updates = updates
        self.buttons = buttons or payloads.process_buttons()
        self.conversations = conversations
        self.words = words
        self.safety = safety
        self.clock = clock
        self._unreachable_said_at: datetime | None = None
        self._unsaved_since_said = 0
        self.idle_after = idle_after
        self.understanding = Understanding(passes)
        # Greetings and thanks are a closed list of whole messages that no step takes as
        # its answer, so they are heard before the step: a time-zone step's fuzzy search
        # would otherwise read "thanks" as Tehran.
        self.social = Understanding((SocialPass(words.understanding),))
        # What any step can hear once the step itself did not understand the text. Outside
        # any flow these come before the flows' free-text nets ("how often should I do the
        # hip routine?" is a question, not a tight-spot report), and near misses of a
        # command's name after them, since a report may be one word ("hammies").
        self.flows = [*flows, _Cancel(self), _Go(self)]
        self._commands: dict[str, tuple[CommandDef, Flow]] = {}
        for flow in self.flows:
            for spec in flow.commands:
                if spec.name in self._commands:
                    raise ValueError(f"/{spec.name} is declared twice")
                self._commands[spec.name] = (spec, flow)
        requests = RequestPass(words.understanding, self._commands)
        self.after_step = Understanding((_CommandPass(self), requests, *after_step))
        # A bare "yes" or "no" at idle, before near misses ("sure" is no command).
        self.near_misses = Understanding((IdleReplyPass(words.understanding), _SuggestPass(self)))
        self._by_name = {flow.name: flow for flow in self.flows}
        self._locks: weakref.WeakValueDictionary[ConversationKey, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )
        self._check_content()

    def _check_content(self) -> None:
        described = self.words.commands
        missing = [c for c in self._commands if c not in described]
        unknown = [c for c in described if c not in self._commands]
        menu = [c for c in self.words.menu if c not in self._commands]
        problems = [f"texts/core.yaml: commands: no description for /{c}" for c in missing]
        problems += [f"texts/core.yaml: commands.{c}: no such command" for c in unknown]
        problems += [f"texts/core.yaml: menu.{c}: no such command" for c in menu]
        if problems:
            raise ContentError("\n".join(problems))

    def commands(self) -> list[CommandSpec]:
        """Every command with its description, for platform command menus."""
        specs = []
        for name, description in self.words.commands.items():
            command, flow = self._commands[name]
            options = flow.command_options(name)
            specs.append(
                CommandSpec(name, description, command.takes_text, options, admin=command.admin)
            )
        return specs

    async def handle(self, inbound: Inbound) -> Outcome:
        lock = self._locks.get(inbound.key)
        if lock is None:
            lock = self._locks.setdefault(inbound.key, asyncio.Lock())
        async with lock:
            try:
                return await self._handle_once_or_retry(inbound)
            except NotSaved as exc:
                # The database's trouble, not the code's: one line, no traceback, and for
                # a server that is away one a minute however many steps fail. The step
                # rolled back, so the conversation is where it was.
                self._log_not_saved(inbound, exc)
                words = self.words.common
                unsaved = words.not_saved if exc.reason == "full" else words.not_saved_unreachable
                return Outcome(replies=(Reply(unsaved),), notice=unsaved, accepted=False)
            except Exception:
                log.exception(
                    "handler_failed platform=%s event=%s",
                    inbound.key.platform,
                    type(inbound.event).__name__,
                )
                error = self.words.common.error
                return Outcome(replies=(Reply(error),), notice=error, accepted=False, failed=True)

    def _log_not_saved(self, inbound: Inbound, exc: NotSaved) -> None:
        now = self.clock.now()
        if exc.reason == "unreachable":
            self._unsaved_since_said += 1
            last = self._unreachable_said_at
            if last is not None and now - last < NOT_SAVED_LOG_EVERY:
                log.debug("step_not_saved platform=%s reason=unreachable", inbound.key.platform)
                return
            self._unreachable_said_at = now
        log.error(
            "step_not_saved platform=%s reason=%s steps=%d error=%s",
            inbound.key.platform,
            exc.reason,
            max(self._unsaved_since_said, 1),
            exc.detail,
        )
        self._unsaved_since_said = 0

    async def _handle_once_or_retry(self, inbound: Inbound) -> Outcome:
        # Two first messages from one user in two chats can race to create the user row.
        try:
            return await self._handle(inbound)
        except StepConflict:
            log.info("retrying_after_conflict platform=%s", inbound.key.platform)
            return await self._handle(inbound)

    async def _handle(self, inbound: Inbound) -> Outcome:
        try:
            return await self._step(inbound)
        except _Repeat:
            log.info(
                "update_repeated platform=%s update_id=%s", inbound.key.platform, inbound.update_id
            )
            return Outcome(accepted=False, repeat=True)

    async def _step(self, inbound: Inbound) -> Outcome:
        key = inbound.key
        now = self.clock.now()
        async with self.database.transaction() as tx:
            conversations = self.conversations(tx)
            user, row = await conversations.load(key, now)
            # A message without the platform's language tag (a Discord DM typed, not a
            # command) goes by the one sent last.
            locale = inbound.locale or user.locale
            if inbound.locale and len(inbound.locale) <= MAX_LOCALE:
                user.locale = inbound.locale
            state = FlowState.from_json(row.state if row else None)
            turn = Turn(
                key=key,
                is_private=inbound.is_private,
                now=now,
                texts=self.words,
                safety=self.safety,
                user=user,
                state=state,
                tx=tx,
                buttons=self.buttons,
                locale=locale,
                can_whisper=inbound.can_whisper,
                member=inbound.member,
                offered=state.offer,
                last_step_at=row.updated_at if row is not None else None,
            )
            state.offer = None  # an offer is answered by the very next message only
            turn.leaver = lambda reason: self.leave(turn, reason)
            expired = row is not None and not state.idle and now - row.updated_at > self.idle_after
            accepted = await self._dispatch(turn, inbound, expired)
            if not accepted:
                state.offer = turn.offered  # a refused press changes nothing saved
            await self._follow_redirects(turn)
            if self.counts is not None and turn.moved_on and turn.counting is None:
                await self.counts.end(turn)
            turn.settle_nonce()
            if not turn.forgotten:
                await conversations.save(key, row, turn.user, turn.state.to_json(), now)
            # Last, so that a concurrent step recording the same update (another
            # process) has been waited for: the step's user row lock comes first.
            if inbound.update_id is not None and self.updates is not None:
                kept = turn.replies if inbound.keep_replies else ()
                first = await self.updates(tx).record(
                    key.platform, inbound.update_id, now, key=key, replies=kept
                )
                if not first:
                    raise _Repeat
        for callback in turn.after_commit:
            await callback()
        return Outcome(
            replies=tuple(turn.replies),
            notice=turn.notice,
            accepted=accepted,
            erased=turn.forgotten,
        )

    # --- dispatch ---
    async def _dispatch(self, turn: Turn, inbound: Inbound, expired: bool) -> bool:
        event = inbound.event
        unreadable = self._drop_unreadable(turn)
        if expired:
            await self.leave(turn, "expired")
            if not isinstance(event, Command):
                send_menu(turn, self.words.common.idle_reset)
                return not isinstance(event, ChoiceMade)
        if isinstance(event, Command):
            await self._command(turn, event.name.lower(), event.args)
            return True
        if isinstance(event, ChoiceMade):
            return await self._choice(turn, event.payload, unreadable)
        await self._text(turn, event, unreadable)
        return True

    def _drop_unreadable(self, turn: Turn) -> Flow | None:
        """Drop a saved step this code cannot read: a flow or step it doesn't know, or data
        a flow's model doesn't accept (saved by another version). Returns the flow to start
        again, so the runner's next press or message brings up its first prompt."""
        state = turn.state
        if state.idle:
            return None
        flow = self._by_name.get(state.flow or "")
        kind = flow.steps.get(state.step or "") if flow is not None else None
        if kind is not None and state.read(kind) is not None:
            return None
        log.warning("state_unreadable flow=%s step=%s", state.flow, state.step)
        turn.finish()
        return flow

    async def _command(self, turn: Turn, name: str, args: str) -> None:
        common = self.words.common
        if not _COMMAND_NAME.match(name):
            turn.say(common.unknown_command.format(command=_printable(name)[:32]))
            return
        found = self._commands.get(name)
        if found is None:
            if not self.suggest(turn, name):
                turn.say(common.unknown_command.format(command=name))
            return
        spec, flow = found
        args = _clean(args)
        if len(args) > MAX_TEXT:
            turn.say(common.too_long.format(limit=MAX_TEXT))
            return
        # A red flag in a command's words ("/tight sharp pain since my fall") is answered
        # first, before the safety note or anything else the command would ask.
        if spec.takes_text and args and await self.understanding.hear(turn, args) is not None:
            return
        if spec.personal and not turn.is_private and not turn.can_whisper:
            # Nothing about the runner's health is asked or shown where the group sees it.
            turn.say(common.go_private, private_start=name)
            return
        if turn.user.disclaimer_accepted_at is None and not spec.open:
            await self.leave(turn, "switched")
            turn.say(self.words.start.must_accept)
            ask_consent(turn, then=name, args=args)
            return
        if spec.switches and turn.state.flow not in (None, flow.name):
            await self.leave(turn, "switched")
        await flow.command(turn, name, args)

    async def _choice(self, turn: Turn, token: str, unreadable: Flow | None) -> bool:
        common = self.words.common
        current = self._by_name.get(turn.state.flow or "")
        if payloads.is_old(token):
            # A button from before the keyed owner tags: expired, whoever pressed it.
            return await self._expired(turn, current, unreadable)
        payload = self.buttons.decode(token)
        if payload is None:
            turn.notice = common.unknown_button
            send_menu(turn)
            return False
        # Global actions too: a press on someone else's button never acts, nor edits it.
        if not (self.buttons.owns(payload, turn.key.user_id) or self._public(payload)):
            turn.notice = common.foreign_button
            return False
        if payload.is_global:
            flow = next(
                (f for f in self.flows if payload.action.startswith(f.global_prefixes)), None
            )
            if flow is None:
                turn.notice = common.unknown_button
                send_menu(turn)
                return False
            await flow.global_choice(turn, payload.action)
            return turn.notice is None
        if current is None or payload.scope != turn.state.nonce:
            return await self._expired(turn, current, unreadable)
        await current.choice(turn, payload.action)
        return True

    def _public(self, payload: payloads.Payload) -> bool:
        """A button anyone may press, for an action a flow lets anyone take."""
        return self.buttons.is_public(payload) and any(
            payload.action.startswith(flow.public_prefixes)
            for flow in self.flows
            if flow.public_prefixes
        )

    async def _expired(self, turn: Turn, current: Flow | None, unreadable: Flow | None) -> bool:
        common = self.words.common
        turn.notice = common.expired_button
        if unreadable is not None:
            await unreadable.restart(turn)
        elif current is None:
            send_menu(turn, common.expired_button)
        else:
            await current.reprompt(turn)
        return False

    async def _text(self, turn: Turn, event: Text, unreadable: Flow | None) -> None:
        common = self.words.common
        text = _clean(event.text)
        if len(text) > MAX_TEXT:
            turn.say(common.too_long.format(limit=MAX_TEXT))
            return
        if not text:
            turn.say(common.empty_text)
            return
        # Before any flow: a red flag is heard whatever step the runner is at.
        if await self.understanding.hear(turn, text) is not None:
            return
        if await self.social.hear(turn, text) is not None:
            return
        if unreadable is not None:
            await unreadable.restart(turn)
            return
        current = self._by_name.get(turn.state.flow or "")
        if current is not None:
            if await current.text(turn, text):
                return
            if await self.after_step.hear(turn, text) is not None:
                return
        else:
            if await self.after_step.hear(turn, text) is not None:
                return
            for flow in self.flows:
                if await flow.claims_text(turn, text):
                    return
        if await self.near_misses.hear(turn, text) is not None:
            return
        # Nothing understood it. Mid-flow the step's buttons above stay the live ones.
        log.debug("understood pass=none flow=%s step=%s", turn.state.flow, turn.state.step)
        if current is None:
            send_menu(turn, common.free_text)
        else:
            await current.not_understood(turn, text)

    def command_named(self, typed: str) -> str | None:
        """The command ``typed`` names exactly, slash or not ("warmup", "/Warmup")."""
        name = typed.strip().lower().removeprefix("/")
        return name if name in self._commands else None

    def suggest(self, turn: Turn, typed: str) -> bool:
        """ "Did you mean /warmup?" with a button, for a near miss of a command's name; two
        buttons when two commands are about as near ("reminder": /remind or /reminders)."""
        name = typed.strip().lower().removeprefix("/")
        if len(name) < TYPO_MIN_LENGTH or not _COMMAND_NAME.match(name):
            return False
        found = process.extract(
            name, list(self._commands), scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF, limit=None
        )
        if not found:
            return False
        best = found[0][1]
        near = {command for command, score, _ in found if score >= best - TYPO_TIE}
        # In the order the commands are declared: /remind before /reminders.
        offered = [command for command in self._commands if command in near][:TYPO_MAX_OFFERS]
        words = self.words.understanding
        if len(offered) == 1:
            text = words.did_you_mean.format(command=offered[0])
            turn.offer(f"{RUN_OFFER}{offered[0]}")
        else:
            text = words.did_you_mean_either.format(first=offered[0], second=offered[1])
        turn.say(
            text,
            choices=[turn.global_choice(f"/{c}", f"{GO_PREFIX}{c}") for c in offered],
        )
        return True

    async def _follow_redirects(self, turn: Turn) -> None:
        for _ in range(MAX_REDIRECTS):
            if turn.redirected_to is None:
                return
            name, args = turn.redirected_to
            turn.redirected_to = None
            await self._command(turn, name, args)

    async def leave(self, turn: Turn, reason: str) -> None:
        """End whatever flow the conversation is in, letting it close what it opened."""
        current = self._by_name.get(turn.state.flow or "")
        if current is not None:
            await current.leave(turn, reason)
        turn.finish()


MAX_LOCALE = 35
"""Longest language tag kept for a user (BCP 47 tags are shorter)."""


class _Cancel(Flow):
    """/cancel: leave whatever flow the conversation is in."""

    name = "cancel"
    commands = (CommandDef("cancel", open=True, switches=False),)

    def __init__(self, coach: Coach) -> None:
        self._coach = coach

    async def command(self, turn: Turn, name: str, args: str) -> None:
        common = turn.texts.common
        counts = self._coach.counts
        counted = counts is not None and await counts.end(turn)
        if turn.state.idle and not counted:
            turn.say(common.nothing_to_cancel)
        else:
            await self._coach.leave(turn, "cancelled")
            turn.say(common.cancelled)


class _CommandPass:
    """A command typed without its slash runs ("warmup", "Help!")."""

    name = "command"

    def __init__(self, coach: Coach) -> None:
        self._coach = coach

    async def __call__(self, turn: Turn, text: str) -> bool:
        plain = _one_word(text)
        if plain is None:
            return False
        name = self._coach.command_named(plain)
        if name is None:
            return False
        turn.redirect(name)
        return True


class _SuggestPass:
    """A near miss of a command's name ("warmp") is offered as a button."""

    name = "suggest"

    def __init__(self, coach: Coach) -> None:
        self._coach = coach

    async def __call__(self, turn: Turn, text: str) -> bool:
        plain = _one_word(text)
        return plain is not None and self._coach.suggest(turn, plain)


def _one_word(text: str) -> str | None:
    """The text as one plain word (a command typed without its slash), else ``None``."""
    plain = plain_words(text)
    return plain if plain and " " not in plain else None


class _Go(Flow):
    """The button under "Did you mean /warmup?": runs that command."""

    name = "go"
    global_prefixes = (GO_PREFIX,)

    def __init__(self, coach: Coach) -> None:
        self._coach = coach

    async def global_choice(self, turn: Turn, action: str) -> None:
        name = self._coach.command_named(action.removeprefix(GO_PREFIX))
        if name is None:
            turn.notice = turn.texts.common.unknown_button
            return
        turn.redirect(name)


def _clean(text: str) -> str:
    return _CONTROL.sub("", text).strip()


def _printable(text: str) -> str:
    return "".join(ch for ch in text if ch.isprintable())
