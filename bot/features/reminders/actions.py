"""What the buttons of /reminders and of a reminder message do, and /start's restore.

Every button here is valid at any time (it may be pressed days later), so each one
re-reads the reminder, checks that it belongs to the presser and still makes sense,
and otherwise says why not without changing anything.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.calendar import known_zone
from bot.core.messages import Choice, Tone
from bot.core.stores import StoreFactory
from bot.core.turn import Turn
from bot.features.reminders.checkin_store import CheckinRepository
from bot.features.reminders.describe import clock_text, summary, when
from bot.features.reminders.models import Reminder
from bot.features.reminders.options import ReminderOptions
from bot.features.reminders.payloads import ListVerb, on_reminder
from bot.features.reminders.store import (
    ACTIVE,
    DONE,
    PAUSED,
    UNREACHABLE,
    ReminderRepository,
    ReminderStore,
    next_fire,
    rule_of,
)
from bot.features.reminders.texts import ReminderTexts

# Snooze and Skip act on the newest message of a reminder, for a few hours.
STALE_AFTER = timedelta(hours=3)


ONE_REMINDER_OFFER = "reminder:"
"""The list just shown has one reminder: "pause it", "delete it" act on it."""


class ReminderActions:
    """The buttons' work, with the words, settings and store every one of them needs."""

    def __init__(
        self,
        texts: ReminderTexts,
        options: ReminderOptions,
        store: StoreFactory[ReminderStore] = ReminderRepository,
    ) -> None:
        self.texts = texts
        self.options = options
        self.store = store

    def wake(self, turn: Turn, fire_at: datetime | None) -> None:
        """Once this turn is committed, tell the scheduler a reminder fires at ``fire_at``."""
        if fire_at is None:
            return

        async def announce() -> None:
            self.options.wakeup.changed(fire_at)

        turn.after_commit.append(announce)

    def refuse(self, turn: Turn, text: str) -> None:
        """A press that cannot be acted on: say why, and leave the message's buttons alone."""
        turn.say(text)
        turn.notice = text

    async def show_list(self, turn: Turn, *, stopping: bool = False) -> None:
        """/reminders: a header, then each open reminder with its own buttons. ``stopping``
        ("stop my reminders"): the header says which buttons pause or delete them."""
        words = self.texts
        reminders = await turn.store(self.store).open_for_user(turn.user.id)
        if not reminders:
            turn.say(words.reminders.empty)
            return
        zone_name = known_zone(turn.user.time_zone) or reminders[0].time_zone
        turn.say(
            words.reminders.header.format(
                count=len(reminders), limit=self.options.max_per_user, zone=zone_name
            )
        )
        if stopping:
            turn.say(words.reminders.how_to_stop)
        for reminder in reminders:
            self.show_one(turn, reminder)
        if len(reminders) == 1:
            turn.offer(f"{ONE_REMINDER_OFFER}{reminders[0].id}")  # "pause it" means this one

    def show_one(self, turn: Turn, reminder: Reminder) -> None:
        words = self.texts
        listing = words.reminders
        described = sentence(summary(rule_of(reminder), words))
        if reminder.status == PAUSED:
            paused = (
                listing.paused_unreachable
                if reminder.paused_reason == UNREACHABLE
                else (listing.paused)
            )
            line = paused.format(summary=described)
        else:
            line = listing.active.format(summary=described, next=next_text(reminder, words))
        turn.say(line, choices=self.buttons(turn, reminder))

    def buttons(self, turn: Turn, reminder: Reminder) -> list[Choice]:
        """Pause or Resume, Edit and Delete for one reminder."""
        listing = self.texts.reminders
        toggle = (
            turn.global_choice(listing.resume_button, on_reminder(ListVerb.RESUME, reminder.id))
            if reminder.status == PAUSED
            else turn.global_choice(listing.pause_button, on_reminder(ListVerb.PAUSE, reminder.id))
        )
        return [
            toggle,
            turn.global_choice(listing.edit_button, on_reminder(ListVerb.EDIT, reminder.id)),
            turn.global_choice(
                listing.delete_button, on_reminder(ListVerb.DELETE, reminder.id), Tone.DANGER
            ),
        ]

    async def owned(self, turn: Turn, reminder_id: int) -> Reminder | None:
        """The runner's own open reminder, or ``None`` after saying why not."""
        reminder = await turn.store(self.store).get_for_user(turn.user.id, reminder_id)
        if reminder is None:
            self.refuse(turn, self.texts.reminders.gone)
            return None
        if reminder.status == DONE:
            self.refuse(turn, self.texts.reminders.finished)
            return None
        return reminder

    async def pause(self, turn: Turn, reminder_id: int) -> None:
        words = self.texts.reminders
        reminder = await self.owned(turn, reminder_id)
        if reminder is None:
            return
        if reminder.status == PAUSED:
            self.refuse(turn, words.already_paused)
            return
        await turn.store(self.store).pause(reminder, turn.now)
        # The pressed message loses its buttons; these let the runner undo it right here.
        turn.say(
            words.now_paused.format(summary=summary(rule_of(reminder), self.texts)),
            choices=self.buttons(turn, reminder),
        )

    async def resume(self, turn: Turn, reminder_id: int) -> None:
        words = self.texts
        reminder = await self.owned(turn, reminder_id)
        if reminder is None:
            return
        if reminder.status == ACTIVE:
            self.refuse(
                turn, words.reminders.already_active.format(next=next_text(reminder, words))
            )
            return
        repo = turn.store(self.store)
        fire_at = next_fire(rule_of(reminder), turn.now)
        if fire_at is None:  # a one-off whose run went by while it was paused
            await repo.mark_done(reminder, turn.now)
            turn.say(words.reminders.finished)
            return
        await repo.resume_at(reminder, fire_at, turn.now)
        described = summary(rule_of(reminder), words)
        turn.say(
            words.reminders.now_active.format(summary=described, next=next_text(reminder, words)),
            choices=self.buttons(turn, reminder),
        )
        self.wake(turn, fire_at)

    async def delete(self, turn: Turn, reminder_id: int) -> None:
        words = self.texts
        repo = turn.store(self.store)
        reminder = await repo.get_for_user(turn.user.id, reminder_id)
        if reminder is None:
            self.refuse(turn, words.reminders.gone)
            return
        described = summary(rule_of(reminder), words)
        await repo.delete(reminder)
        turn.say(words.reminders.removed.format(summary=described))

    async def just_sent(self, turn: Turn) -> bool:
        """A reminder went to this chat recently, after the runner's last message here: it
        is the coach's newest word in this conversation."""
        return await self.just_delivered(turn) is not None

    async def just_delivered(self, turn: Turn) -> tuple[int, int] | None:
        """(reminder, delivery) of the reminder :meth:`just_sent`, if there is one."""
        repo = turn.store(self.store)
        for reminder in await repo.open_for_user(turn.user.id):
            if (reminder.platform, reminder.chat_id) != (turn.key.platform, turn.key.chat_id):
                continue
            latest = await repo.latest_delivery(reminder.id)
            if latest is None or latest.sent_at is None:
                continue
            fresh = turn.now - latest.sent_at <= STALE_AFTER
            if fresh and (turn.last_step_at is None or latest.sent_at > turn.last_step_at):
                return reminder.id, latest.id
        return None

    # --- the reminder message's Snooze and Skip ---

    async def current_delivery(
        self, turn: Turn, reminder_id: int, delivery_id: int
    ) -> Reminder | None:
        """The reminder, if this message is its newest and recent; otherwise say why not."""
        words = self.texts.fire
        repo = turn.store(self.store)
        reminder = await repo.get_for_user(turn.user.id, reminder_id)
        if reminder is None:
            self.refuse(turn, words.gone)
            return None
        latest = await repo.latest_delivery(reminder_id)
        if (
            latest is None
            or latest.id != delivery_id
            or turn.now - latest.occurrence_at > STALE_AFTER
        ):
            self.refuse(turn, words.old)
            return None
        return reminder

    async def snooze(self, turn: Turn, reminder_id: int, delivery_id: int) -> None:
        words = self.texts.fire
        reminder = await self.current_delivery(turn, reminder_id, delivery_id)
        if reminder is None:
            return
        if reminder.status == PAUSED:
            self.refuse(turn, words.paused)
            return
        if reminder.snooze_until is not None and reminder.snooze_until > turn.now:
            at = clock_text(reminder.snooze_until, reminder.time_zone)
            self.refuse(turn, words.already_snoozed.format(time=at))
            return
        until = turn.now + timedelta(minutes=self.options.snooze_minutes)
        await turn.store(self.store).snooze_until(reminder, until, turn.now)
        turn.say(words.snoozed.format(time=clock_text(until, reminder.time_zone)))
        self.wake(turn, until)

    async def skip(self, turn: Turn, reminder_id: int, delivery_id: int) -> None:
        words = self.texts
        reminder = await self.current_delivery(turn, reminder_id, delivery_id)
        if reminder is None:
            return
        repo = turn.store(self.store)
        await repo.dismiss_delivery(reminder, delivery_id, turn.now)
        # A skipped run is not asked about afterwards.
        await turn.store(CheckinRepository).dismiss_after(reminder.id, turn.now - STALE_AFTER)
        if reminder.next_fire_at is None:
            if reminder.status == ACTIVE:  # that was a one-off's last run
                await repo.mark_done(reminder, turn.now)
            turn.say(words.fire.skipped_last)
        elif reminder.status == PAUSED:
            turn.say(
                words.reminders.now_paused.format(summary=summary(rule_of(reminder), words)),
                choices=self.buttons(turn, reminder),
            )
        else:
            turn.say(words.fire.skipped.format(next=next_text(reminder, words)))

    # --- reachability ---

    async def restore_unreachable(self, turn: Turn) -> None:
        """Reminders paused because the runner could not be reached resume, from now on."""
        repo = turn.store(self.store)
        soonest: datetime | None = None
        for reminder in await repo.paused_as_unreachable(turn.user.id):
            fire_at = next_fire(rule_of(reminder), turn.now)
            if fire_at is None:
                await repo.mark_done(reminder, turn.now)
                continue
            await repo.resume_at(reminder, fire_at, turn.now)
            if soonest is None or fire_at < soonest:
                soonest = fire_at
        self.wake(turn, soonest)


def sentence(text: str) -> str:
    """A summary standing at the start of a line ("weekdays, ..." → "Weekdays, ...")."""
    return text[:1].upper() + text[1:]


def next_text(reminder: Reminder, words: ReminderTexts) -> str:
    """When the reminder next goes off (its fire time or a pending snooze), in words."""
    times = [at for at in (reminder.next_fire_at, reminder.snooze_until) if at is not None]
    return when(min(times), reminder.time_zone, words) if times else ""
