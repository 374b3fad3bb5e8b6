"""The actions on reminder buttons are built and read in one module, and agree."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content import Content
from bot.core import payloads as core_payloads
from bot.core.messages import ConversationKey
from bot.features.reminders import payloads
from bot.features.reminders.dispatcher import Dispatcher, Outgoing
from bot.features.reminders.flow import Reminders
from bot.features.reminders.options import ReminderOptions
from bot.features.reminders.payloads import (
    DeliveryVerb,
    ListVerb,
    OnDelivery,
    OnReminder,
    StartWarmup,
)
from bot.testing import FakeClock

BIGGEST = 999_999_999_999  # ids up to 12 digits are read


def test_every_built_action_reads_back_as_what_it_was_built_for() -> None:
    assert payloads.parse(payloads.start_warmup()) == StartWarmup()
    for delivery_verb in DeliveryVerb:
        action = payloads.on_delivery(delivery_verb, 12, BIGGEST)
        assert payloads.parse(action) == OnDelivery(delivery_verb, 12, BIGGEST)
    for list_verb in ListVerb:
        action = payloads.on_reminder(list_verb, BIGGEST)
        assert payloads.parse(action) == OnReminder(list_verb, BIGGEST)


def test_the_wire_format_is_unchanged() -> None:
    # Buttons already sent keep working: these strings are in chats now.
    assert payloads.start_warmup() == "rem.go"
    assert payloads.on_delivery(DeliveryVerb.SNOOZE, 7, 41) == "rem.snz.7.41"
    assert payloads.on_delivery(DeliveryVerb.SKIP, 7, 41) == "rem.skip.7.41"
    assert payloads.on_reminder(ListVerb.PAUSE, 7) == "rem.pause.7"
    assert payloads.on_reminder(ListVerb.RESUME, 7) == "rem.resume.7"
    assert payloads.on_reminder(ListVerb.EDIT, 7) == "rem.edit.7"
    assert payloads.on_reminder(ListVerb.DELETE, 7) == "rem.del.7"


@pytest.mark.parametrize(
    "action",
    [
        "rem.",
        "rem.go.1",
        "rem.snz.1",
        "rem.snz.1.2.3",
        "rem.pause",
        "rem.pause.1.2",
        "rem.del.x",
        "rem.del.-1",
        "rem.del.1234567890123",
        "rem.stop.1",
        "tt.pick.glutes",
    ],
)
def test_anything_else_reads_as_nothing(action: str) -> None:
    assert payloads.parse(action) is None


def test_the_longest_actions_fit_in_a_button() -> None:
    longest = [
        payloads.on_delivery(DeliveryVerb.SKIP, BIGGEST, BIGGEST),
        payloads.on_reminder(ListVerb.RESUME, BIGGEST),
    ]
    for action in longest:
        token = core_payloads.process_buttons().encode("x" * 64, core_payloads.ANY_SCOPE, action)
        decoded = core_payloads.process_buttons().decode(token)
        assert decoded is not None
        assert decoded.action == action


def test_the_reminder_flow_answers_the_prefix_these_actions_use(content: Content) -> None:
    flow = Reminders(content.reminder_texts, ReminderOptions())
    assert flow.global_prefixes == (payloads.PREFIX,)


def test_the_reminder_message_buttons_read_back(
    sessions: async_sessionmaker[AsyncSession], content: Content
) -> None:
    dispatcher = Dispatcher(sessions, content.reminder_texts, {}, FakeClock())
    item = Outgoing(
        delivery_id=41,
        reminder_id=7,
        owner_id=1,
        key=ConversationKey("terminal", "chat-1", "user-1"),
        run_time="06:30",
        late_by=timedelta(0),
    )
    actions = []
    for choice in dispatcher.compose(item).choices:
        decoded = core_payloads.process_buttons().decode(choice.payload)
        assert decoded is not None
        assert decoded.is_global
        actions.append(payloads.parse(decoded.action))
    assert actions == [
        StartWarmup(),
        OnDelivery(DeliveryVerb.SNOOZE, 7, 41),
        OnDelivery(DeliveryVerb.SKIP, 7, 41),
    ]
