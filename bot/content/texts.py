"""The whole of content/texts/core.yaml: the core's words plus each feature's section."""

from __future__ import annotations

from bot.core.texts import CoreWords
from bot.features.onboarding.texts import HelpTexts
from bot.features.privacy.texts import PrivacyTexts
from bot.features.warmup.content import WarmupTexts


class CoreTexts(CoreWords):
    help: HelpTexts
    warmup: WarmupTexts
    privacy: PrivacyTexts
