"""Content: drills, routines, safety notes and every user-facing string, validated at load."""

from bot.content.loader import ContentError, load_content
from bot.content.models import Content

__all__ = ["Content", "ContentError", "load_content"]
