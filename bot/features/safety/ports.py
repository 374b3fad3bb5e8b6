"""What safety offers other features, through the core's ports."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.turn import Turn
from bot.features.safety.content import EmergencyContent
from bot.features.safety.emergency import country_for, emergency_advice


class LocalEmergencyWords:
    """The core's ``EmergencyWords``: the runner's time zone first, then their language."""

    def __init__(self, content: EmergencyContent) -> None:
        self.content = content

    def __call__(self, turn: Turn) -> Mapping[str, str]:
        country = country_for(turn.user.time_zone, turn.locale)
        advice = emergency_advice(self.content, country)
        return {**advice.words, "country": advice.country or ""}
