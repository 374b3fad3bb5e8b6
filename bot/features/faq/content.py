"""The FAQ content (content/faq.yaml): entries with phrasings, answers and sources, and the
words the matcher reads messages with.

Loaded with ``load_faq_content``, which also checks what the schema cannot (every source id
known, no phrasing claimed by two entries) and names the file and field of anything wrong.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from bot.core.content import ContentError, Frozen, Identifier, NonEmpty, Source, load_file
from bot.features.faq.text import words

ANSWER_MAX_CHARS = 400
"""An answer is a chat message, not an article."""
MIN_PHRASINGS = 4

Words = tuple[NonEmpty, ...]
Answer = Annotated[NonEmpty, StringConstraints(max_length=ANSWER_MAX_CHARS)]


class PersonalReport(Frozen):
    """ "my hip flexors are so tight": a report about the runner's own body, not a question."""

    owners: Words = Field(min_length=1)
    areas: Words = Field(min_length=1)
    states: Words = Field(min_length=1)
    window: int = Field(ge=1, le=8)
    explain_starts: Words = ()
    # "is it ok to run if my hips are sore?": a body supposed, not reported.
    conditions: Words = ()
    # "my hips are stiff, is sitting to blame?": a cause asked about, not a report.
    cause_phrases: Words = ()


class Matching(Frozen):
    question_starts: Words = Field(min_length=1)
    do_subjects: Words = ()
    question_words: Words = ()
    question_phrases: Words = ()
    question_ends: Words = ()
    side_words: Words = ()
    not_sides: Words = ()
    personal_report: PersonalReport
    off_topic: Words = ()
    commands: Words = ()
    stop_words: Words = ()
    rewrites: dict[NonEmpty, NonEmpty] = Field(default_factory=dict)
    phrases: dict[NonEmpty, NonEmpty] = Field(default_factory=dict)
    # Topics that rule each other out: a message about the drills is not answered from a
    # phrasing that is only about rolling.
    topics: tuple[Words, ...] = ()


class FaqEntry(Frozen):
    id: Identifier
    question: NonEmpty
    phrasings: Words = Field(min_length=MIN_PHRASINGS)
    answer: Answer
    sources: tuple[Identifier, ...] = Field(min_length=1)


class FaqContent(Frozen):
    sources: dict[Identifier, Source] = Field(min_length=1)
    matching: Matching
    entries: tuple[FaqEntry, ...] = Field(min_length=25)

    @model_validator(mode="after")
    def _unique_ids(self) -> FaqContent:
        ids = [entry.id for entry in self.entries]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"entry ids must be unique: {duplicates}")
        return self

    def entry(self, entry_id: str) -> FaqEntry:
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        raise KeyError(entry_id)

    def problems(self) -> list[str]:
        """References the schema cannot see; each names its field."""
        problems: list[str] = []
        used: set[str] = set()
        owner: dict[str, str] = {}
        for index, entry in enumerate(self.entries):
            where = f"entries.{index}"
            for number, source_id in enumerate(entry.sources):
                used.add(source_id)
                if source_id not in self.sources:
                    problems.append(
                        f"{where}.sources.{number}: unknown source {source_id!r} (not in sources)"
                    )
            if not any(self.sources.get(s, _NO_URL).url for s in entry.sources):
                problems.append(f"{where}.sources: cite at least one source with a url")
            for number, phrasing in enumerate((entry.question, *entry.phrasings)):
                tokens = words(phrasing)
                key = " ".join(tokens)
                field = "question" if number == 0 else f"phrasings.{number - 1}"
                off_topic = [p for p in self.matching.off_topic if _has_phrase(tokens, words(p))]
                if not key:
                    problems.append(f"{where}.{field}: {phrasing!r} has no words")
                elif off_topic:
                    problems.append(
                        f"{where}.{field}: {phrasing!r} uses off-topic words {off_topic}"
                    )
                elif owner.setdefault(key, entry.id) != entry.id:
                    problems.append(
                        f"{where}.{field}: {phrasing!r} already belongs to {owner[key]!r}"
                    )
        for source_id in sorted(set(self.sources) - used):
            problems.append(f"sources.{source_id}: not cited by any entry")
        return problems


_NO_URL = Source(title="(unknown)")


def _has_phrase(tokens: list[str], phrase: list[str]) -> bool:
    size = len(phrase)
    return any(tokens[i : i + size] == phrase for i in range(len(tokens) - size + 1))


def load_faq_content(path: Path) -> FaqContent:
    """Read and check ``content/faq.yaml``; ``ContentError`` names file and field."""
    content = load_file(path, FaqContent)
    problems = content.problems()
    if problems:
        raise ContentError("\n".join(f"{path}: {problem}" for problem in problems))
    return content
