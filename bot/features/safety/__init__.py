"""Safety: where the runner is, and which emergency and urgent-advice words fit there."""

from bot.features.safety.content import EmergencyContent, load_emergency_content
from bot.features.safety.emergency import EmergencyAdvice, country_for, emergency_advice

__all__ = [
    "EmergencyAdvice",
    "EmergencyContent",
    "country_for",
    "emergency_advice",
    "load_emergency_content",
]
