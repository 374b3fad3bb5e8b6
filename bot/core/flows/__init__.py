"""Every flow the coach offers, in the order the engine consults them."""

from __future__ import annotations

from bot.core.flows.base import Flow
from bot.core.flows.onboarding import Onboarding
from bot.core.flows.privacy import Privacy
from bot.core.flows.progress import Progress
from bot.core.flows.reminders import Reminders
from bot.core.flows.tight import Tight
from bot.core.flows.timezone import TimeZones
from bot.core.flows.warmup import Warmup
from bot.scheduling.options import ReminderOptions


def all_flows(reminders: ReminderOptions | None = None) -> list[Flow]:
    options = reminders or ReminderOptions()
    reminder_flow = Reminders(options)
    return [
        Onboarding(on_start=reminder_flow.restore_after_start),
        Warmup(),
        Privacy(),
        reminder_flow,
        TimeZones(options),
        # Last: plain words about tight spots are the widest free-text net.
        Tight(),
        Progress(),
    ]
