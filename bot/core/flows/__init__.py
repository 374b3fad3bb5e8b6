"""Every flow the coach offers, in the order the engine consults them."""

from __future__ import annotations

from bot.core.flows.base import Flow
from bot.core.flows.onboarding import Onboarding
from bot.core.flows.privacy import Privacy
from bot.core.flows.progress import Progress
from bot.core.flows.tight import Tight
from bot.core.flows.warmup import Warmup


def all_flows() -> list[Flow]:
    return [Onboarding(), Warmup(), Privacy(), Tight(), Progress()]
