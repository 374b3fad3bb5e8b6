"""Every table the coach has: the core's and each feature's (Alembic, erasure, tests).

Importing this registers every model on ``Base.metadata``.
"""

from bot.features.checkins import models as checkin_models
from bot.features.clubs import models as club_models
from bot.features.counts import models as count_models
from bot.features.reminders import models as reminder_models
from bot.features.tight import models as tight_models
from bot.features.warmup import models as warmup_models
from bot.storage import models
from bot.storage.base import Base

__all__ = [
    "Base",
    "checkin_models",
    "club_models",
    "count_models",
    "models",
    "reminder_models",
    "tight_models",
    "warmup_models",
]
