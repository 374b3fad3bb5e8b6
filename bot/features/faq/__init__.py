"""The FAQ: questions runners ask about hips, warming up and rolling, answered from content."""

from bot.features.faq.content import FaqContent, FaqEntry, load_faq_content
from bot.features.faq.matcher import FaqHit, FaqMatcher

__all__ = ["FaqContent", "FaqEntry", "FaqHit", "FaqMatcher", "load_faq_content"]
