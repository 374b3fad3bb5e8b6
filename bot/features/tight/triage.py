"""Red-flag triage: pure pattern checks from content, no state."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.features.tight.content import Kind, Level, TriageContent
from bot.features.tight.reading import Triage
from bot.features.tight.text import BREAKS

SEVERITY: dict[Level, int] = {"see_clinician": 1, "urgent": 2}
NEGATION_REACH = 3
"""How many words before a match a "no"/"not" still cancels it."""


@dataclass(frozen=True, slots=True)
class _Rule:
    id: str
    level: Level
    groups: tuple[tuple[re.Pattern[str], ...], ...]
    none_of: tuple[re.Pattern[str], ...]
    negatable: bool


class TriageChecker:
    """Finds red flags in tokenised text; built once per content."""

    def __init__(self, content: TriageContent) -> None:
        self._content = content
        self._rules = tuple(
            _Rule(
                id=rule.id,
                level=rule.level,
                groups=tuple(tuple(re.compile(p) for p in group) for group in rule.all_of),
                none_of=tuple(re.compile(p) for p in rule.none_of),
                negatable=rule.negatable,
            )
            for rule in content.rules
        )
        self._cues = frozenset(content.negation_cues)
        self._exceptions = tuple(content.negation_exceptions)

    def assess(
        self, tokens: Sequence[str], kind: Kind | None = None, intensity: int | None = None
    ) -> Triage:
        text = " ".join(tokens)
        fired: list[tuple[Level, str]] = []
        for rule in self._rules:
            if any(p.search(text) for p in rule.none_of):
                continue
            if all(self._group_hits(text, group, rule.negatable) for group in rule.groups):
                fired.append((rule.level, rule.id))
        severe = self._content.severe_pain
        if kind == "pain" and intensity is not None and intensity >= severe.threshold:
            fired.append((severe.level, "severe_pain"))
        if not fired:
            return Triage()
        top = max(SEVERITY[level] for level, _ in fired)
        level = next(level for level, _ in fired if SEVERITY[level] == top)
        reasons = tuple(rule_id for lvl, rule_id in fired if SEVERITY[lvl] == top)
        return Triage(level=level, reasons=reasons)

    def _group_hits(self, text: str, group: tuple[re.Pattern[str], ...], negatable: bool) -> bool:
        for pattern in group:
            for match in pattern.finditer(text):
                if not negatable or not self._negated(text[: match.start()]):
                    return True
        return False

    def _negated(self, before: str) -> bool:
        words = before.split()
        window: list[str] = []
        for word in reversed(words):
            if word in BREAKS or len(window) == NEGATION_REACH:
                break
            window.insert(0, word)
        if not any(word in self._cues for word in window):
            return False
        joined = " ".join(window)
        return not any(exception in joined for exception in self._exceptions)
