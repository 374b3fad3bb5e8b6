"""Which FAQ entry, if any, a runner's message asks about.

Three steps, cheapest first:

1. **Is it a general question?** It needs a question mark or question words, and must not
   read as a report about one spot: a side ("left glute tight"), a score ("6/10") or the
   runner's own tight or sore body part ("my hip flexors are so tight") belongs to the
   tight-spot flow and its red-flag triage, never to a canned answer. A body part supposed
   ("should i skip my run if my hips ache") or asked about as a cause ("is sitting why my
   hips are stiff", "is sitting to blame") is a question, not a report. Questions on topics
   the FAQ leaves out on purpose (food, kit, training plans) get no answer either.
2. **Is it about our topics?** The words that carry meaning (stop words dropped, word forms
   and misspellings folded together by the content's rewrites, phrases that mean one thing
   read as one word: "how long" is a duration, "long run" a kind of run, "all the time"
   always; typos snapped to the nearest word the FAQ knows with rapidfuzz's
   optimal-string-alignment distance) must include at least one word the FAQ knows.
3. **Which entry?** Two scores for each entry, blended half and half. The overlap: each
   phrasing is a set of words, each word weighted by how rare it is across entries
   ("winter" tells more than "run"), and a message scores against a phrasing with the
   weighted Dice overlap, 0-100: twice the weight they share over the weight of both. The
   cosine: the message and every phrasing as static sentence vectors (bot/features/faq/
   vectors.py: a table of token vectors distilled from all-MiniLM-L6-v2, one lookup and a
   mean, the phrasings encoded once at start-up), times 100. An entry takes its best
   phrasing on each. The best entry must score ``CUTOFF``, lead the runner-up by
   ``MARGIN`` and share at least ``MIN_EVIDENCE`` of weight with its best-overlapping
   phrasing; a message that fits two entries equally ("how long?") gets no answer rather
   than a coin toss.

Why not rapidfuzz's ``token_set_ratio`` or ``WRatio`` for the overlap: with every other
step the same, and the cutoff and margin chosen on tests/features/faq/faq_tuning.yaml, they
found 72 and 71 of the 90 held-out phrasings in faq_phrases.yaml (``token_sort_ratio`` 85,
this overlap 87). Both score a message 100 whenever a short phrasing's words are a subset of
it ("why should i warm up" inside "how do i warm up in winter"), and neither knows that
"winter" matters more than "warm".

Why the cosine too: words the content never uses still land near the phrasings they mean
("is ten minutes on the roller too long?" near "how long should I foam roll?"), so the right
entry comes first more often. It tells entries apart far better than it tells a FAQ
question from other chat ("how do i get better at running" has as high a cosine as many
questions), so steps 1 and 2 still decide what is a question at all, and the cutoff and
margin were chosen again, on faq_tuning.yaml alone (see ``CUTOFF``). Figures for every set
are in tests/features/faq/test_matcher.py.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.features.faq.content import FaqContent, FaqEntry
from bot.features.faq.text import has_score, words
from bot.features.faq.vectors import SentenceVectors, Vectors, shipped_vectors

LEXICAL_SHARE = 0.5
"""The overlap's share of an entry's score; the rest is the cosine (as 0-100). Half: the
tuning set puts the right entry first at any share from 0.3 to 0.6."""
CUTOFF = 63.0
"""Lowest score (0-100) an answer may rest on. On the tuning set the other messages that
pass step 1 and 2 score at most 60.6 and the questions at least 65.9: 63 sits between."""
MARGIN = 3.0
"""How far (in score points) the best entry must lead the runner-up. On the tuning set the
other messages lead by 0.3 at most and the questions by 5.6 at least: 3 sits between."""
UNKNOWN_WEIGHT = 2.5
"""Weight of a word no phrasing uses ("eat", "parkrun"): about as telling as a word only
two entries use, so a message about something else scores low."""
MIN_EVIDENCE = 2.0
"""Least shared weight an answer needs: one common word ("up" in "whats up") is not enough,
one rare one ("doms?") is."""
ASK_CUTOFF = 49.0
"""Below ``CUTOFF`` but at least this: not sure enough to answer, sure enough to ask "Did
you mean …?" with the best one or two questions as buttons. The overlap alone asked from
20 points below its cutoff; blended, the tuning questions' scores spread 0.7 times as
wide, so 14 below."""
ASK_WORDS = 2
"""Words a message must share with a question to be asked about it."""
ASK_SECOND = 8.0
"""The runner-up is offered too when it is this close to the best (12 for the overlap
alone, times the same 0.7)."""
SUFFIXES = ("ing", "ed", "es", "s", "ly")
"""Endings dropped from a word the FAQ does not know, to find one it does ("firing" ->
"fire" is not found, "rolled" -> "roll" is)."""
TYPO_MIN_LENGTH = 4
"""Shorter words are never corrected: "hi" is not "hip"."""
TYPO_LONG_WORD = 8
"""Words this long may be two edits out ("soliders"); shorter ones only one ("evry")."""


@dataclass(frozen=True, slots=True)
class FaqHit:
    entry: FaqEntry
    score: float
    """The entry's score (0-100): overlap and cosine blended."""
    phrasing: str
    """The phrasing (or question) that matched best."""


@dataclass(frozen=True, slots=True)
class _Choice:
    entry: FaqEntry
    phrasing: str


class FaqMatcher:
    """Answers FAQ questions from content; ``answer`` returns ``None`` for anything else."""

    def __init__(self, content: FaqContent, vectors: SentenceVectors | None = None) -> None:
        matching = content.matching
        self._question_starts = frozenset(matching.question_starts)
        self._do_subjects = frozenset(matching.do_subjects)
        self._question_ends = frozenset(matching.question_ends)
        self._question_words = frozenset(matching.question_words)
        self._long_question_words = tuple(
            sorted(
                w
                for w in {*matching.question_starts, *matching.question_words}
                if len(w) >= TYPO_MIN_LENGTH
            )
        )
        self._question_phrases = _phrases(matching.question_phrases)
        self._side_words = frozenset(matching.side_words)
        self._not_sides = _phrases(matching.not_sides)
        report = matching.personal_report
        self._owners = frozenset(report.owners)
        self._areas = frozenset(report.areas)
        self._states = frozenset(report.states)
        self._window = report.window
        self._conditions = frozenset(report.conditions)
        self._explain_starts = tuple(tuple(words(phrase)) for phrase in report.explain_starts)
        self._cause_phrases = _phrases(report.cause_phrases)
        self._stop_words = frozenset(matching.stop_words)
        self._off_topic = _phrases(matching.off_topic)
        self._rewrites = {word: tuple(words(to)) for word, to in matching.rewrites.items()}
        self._phrase_rewrites = {
            tuple(self._rewritten(words(phrase))): tuple(words(to))
            for phrase, to in matching.phrases.items()
        }
        self._longest_phrase = max((len(p) for p in self._phrase_rewrites), default=0)
        self._commands = frozenset(
            tuple(self._meaningful(words(command))) for command in matching.commands
        )

        choices: list[_Choice] = []
        keys: list[frozenset[str]] = []
        for entry in content.entries:
            for phrasing in (entry.question, *entry.phrasings):
                key = frozenset(self._meaningful(words(phrasing)))
                if key:
                    choices.append(_Choice(entry, phrasing))
                    keys.append(key)
        self._choices = tuple(choices)
        self._keys = tuple(keys)
        self._topic_of = {
            word: number
            for number, topic in enumerate(matching.topics)
            for word in self._meaningful([w for text in topic for w in words(text)])
        }
        self._choice_topics = tuple(self._topics(key) for key in keys)
        # A word's weight is its rarity across entries: "winter" says more than "run".
        entries_with: dict[str, set[str]] = {}
        for choice, key in zip(choices, keys, strict=True):
            for word in key:
                entries_with.setdefault(word, set()).add(choice.entry.id)
        total = len(content.entries)
        self._weights = {
            word: math.log((total + 1) / (len(ids) + 0.5)) for word, ids in entries_with.items()
        }
        index: dict[str, list[int]] = {}
        for number, key in enumerate(keys):
            for word in key:
                index.setdefault(word, []).append(number)
        self._index = {word: tuple(numbers) for word, numbers in index.items()}
        self._choice_weights = tuple(sum(self._weights[w] for w in key) for key in keys)
        self._vocabulary = frozenset(self._weights)
        self._long_words = tuple(sorted(w for w in self._vocabulary if len(w) >= TYPO_MIN_LENGTH))
        self._long_stop_words = tuple(
            sorted(w for w in self._stop_words if len(w) >= TYPO_MIN_LENGTH)
        )

        # Every phrasing encoded once; an entry's phrasings sit side by side, so one
        # reduceat gives each entry its best cosine.
        self._vectors = vectors or shipped_vectors()
        self._phrasing_vectors = self._vectors.encode_kept(tuple(c.phrasing for c in choices))
        self._entry_ids = tuple(dict.fromkeys(c.entry.id for c in choices))
        first: dict[str, int] = {}
        for number, choice in enumerate(choices):
            first.setdefault(choice.entry.id, number)
        self._entry_starts = np.array([first[e] for e in self._entry_ids], dtype=np.intp)
        self._entry_number = {entry_id: n for n, entry_id in enumerate(self._entry_ids)}
        self._topic_masks: dict[frozenset[int], np.ndarray] = {}
        self._last: tuple[str, list[tuple[str, float, int]]] | None = None

    def answer(self, text: str) -> FaqHit | None:
        """The entry ``text`` asks about, or ``None`` if it is not a FAQ question."""
        tokens = words(text)
        if not tokens or not self._is_question(text, tokens) or self._is_report(text, tokens):
            return None
        if any(phrase in _padded(tokens) for phrase in self._off_topic):
            return None
        meaningful = self._meaningful(tokens)
        if tuple(meaningful) in self._commands and not self._has_question_word(tokens):
            return None
        query = self._known(meaningful)
        if query is None:
            return None
        return self._best(query, self._ranked_for(text, query))

    def suggest(self, text: str) -> list[FaqEntry]:
        """When ``answer`` gives nothing: the one or two entries a general question on our
        topics most likely means, to offer as "Did you mean …?"; empty if none is near."""
        tokens = words(text)
        if not tokens or not self._is_question(text, tokens) or self._is_report(text, tokens):
            return []
        if any(phrase in _padded(tokens) for phrase in self._off_topic):
            return []
        meaningful = self._meaningful(tokens)
        if tuple(meaningful) in self._commands:
            return []
        query = self._known(meaningful)
        if query is None:
            return []
        ranked = self._ranked_for(text, query)
        if not ranked or ranked[0][1] < ASK_CUTOFF or ranked[0][2] < 0:
            return []
        # Two words in common at least: one ("weather") is too little to ask about.
        common = set(query) & self._keys[ranked[0][2]]
        if len(common) < ASK_WORDS or sum(self._weights[w] for w in common) < MIN_EVIDENCE:
            return []
        offered = [self._choices[ranked[0][2]].entry]
        if len(ranked) > 1 and ranked[1][2] >= 0 and ranked[0][1] - ranked[1][1] <= ASK_SECOND:
            offered.append(self._choices[ranked[1][2]].entry)
        return offered

    def scores(self, text: str) -> list[tuple[str, float]]:
        """Each entry's best score for ``text``, highest first, ignoring the question and
        report checks: for tests and for tuning the content."""
        query = self._known(self._meaningful(words(text)))
        if query is None:
            return []
        return [(entry_id, score) for entry_id, score, _ in self._ranked_for(text, query)]

    # --- step 1: a general question? -------------------------------------------------

    def _is_question(self, text: str, tokens: Sequence[str]) -> bool:
        if "?" in text or tokens[0] in self._question_starts:
            return True
        first = tokens[0]
        if (
            len(first) >= TYPO_MIN_LENGTH
            and first not in self._vocabulary  # "rest day?" is not a misspelt "best"
            and _nearest(first, self._long_question_words, 1)
        ):
            return True  # "shoudl i...", "waht is..."
        if tokens[-1] in self._question_ends:
            return True
        if tokens[0] == "do" and len(tokens) > 1 and tokens[1] in self._do_subjects:
            return True
        if any(token in self._question_words for token in tokens):
            return True
        padded = _padded(tokens)
        return any(phrase in padded for phrase in self._question_phrases)

    def _has_question_word(self, tokens: Sequence[str]) -> bool:
        return tokens[0] in self._question_starts or any(
            token in self._question_words for token in tokens
        )

    def _is_report(self, text: str, tokens: Sequence[str]) -> bool:
        if has_score(text) or self._names_a_side(tokens):
            return True
        if any(_starts_with(tokens, start) for start in self._explain_starts):
            return False
        if any(phrase in _padded(tokens) for phrase in self._cause_phrases):
            return False
        return self._personal_state(tokens)

    def _names_a_side(self, tokens: Sequence[str]) -> bool:
        if not any(token in self._side_words for token in tokens):
            return False
        kept = _padded(tokens)
        for phrase in self._not_sides:
            while phrase in kept:
                kept = kept.replace(phrase, " ")
        return any(token in self._side_words for token in kept.split())

    def _personal_state(self, tokens: Sequence[str]) -> bool:
        """An owner ("my", "ive got") then a body part near a state word ("tight"), unless
        the owner follows a condition ("if my hips are sore", "why my hips are stiff"). A
        body part belongs to the owner nearest before it: in "skip my run if my hips ache"
        the hips are the condition's."""
        window = self._window
        for i, token in enumerate(tokens):
            if token not in self._owners or (i > 0 and tokens[i - 1] in self._conditions):
                continue
            for j in range(i + 1, min(len(tokens), i + 1 + window)):
                if tokens[j] in self._owners:
                    break
                if tokens[j] not in self._areas:
                    continue
                nearby = tokens[max(i + 1, j - window) : j + window + 1]
                if any(word in self._states for word in nearby):
                    return True
        return False

    # --- step 2: about our topics? ---------------------------------------------------

    def _rewritten(self, tokens: Sequence[str]) -> list[str]:
        return [word for token in tokens for word in self._rewrites.get(token, (token,))]

    def _meaningful(self, tokens: Sequence[str]) -> list[str]:
        rewritten = self._rewritten(tokens)
        if self._phrase_rewrites:
            rewritten = self._join_phrases(rewritten)
        return [w for w in rewritten if w not in self._stop_words and not w.isdigit()]

    def _join_phrases(self, tokens: list[str]) -> list[str]:
        """Each phrase of the content's ``phrases`` replaced by what it means, longest
        first: "how long should i" -> "duration should i"."""
        out: list[str] = []
        i = 0
        while i < len(tokens):
            for size in range(min(self._longest_phrase, len(tokens) - i), 1, -1):
                meaning = self._phrase_rewrites.get(tuple(tokens[i : i + size]))
                if meaning is not None:
                    out.extend(meaning)
                    i += size
                    break
            else:
                out.append(tokens[i])
                i += 1
        return out

    def _known(self, tokens: Sequence[str]) -> list[str] | None:
        """Typos snapped to the words the FAQ knows, misspelt filler ("shoudl") dropped;
        ``None`` if no word is one the FAQ knows."""
        fixed: list[str] = []
        known = False
        for token in tokens:
            token = self._stem(token)
            if token not in self._vocabulary and len(token) >= TYPO_MIN_LENGTH:
                edits = 2 if len(token) >= TYPO_LONG_WORD else 1
                word = _nearest(token, self._long_words, edits)
                if word is None and _nearest(token, self._long_stop_words, edits) is not None:
                    continue
                token = word or token
            known = known or token in self._vocabulary
            fixed.append(token)
        return fixed if known else None

    def _stem(self, token: str) -> str:
        """A word the FAQ knows once an ending is dropped ("stretches" -> "stretch"), else
        the word as it was."""
        if token in self._vocabulary:
            return token
        for suffix in SUFFIXES:
            stem = token.removesuffix(suffix)
            if stem != token and len(stem) >= TYPO_MIN_LENGTH - 1 and stem in self._vocabulary:
                return stem
        return token

    # --- step 3: which entry? --------------------------------------------------------

    def _ranked_for(self, text: str, query: Sequence[str]) -> list[tuple[str, float, int]]:
        """``_ranked`` for ``text``, whose words are ``query``; the last one is kept, as
        ``suggest`` follows ``answer`` on the same text (one encode for both)."""
        if self._last is None or self._last[0] != text:
            self._last = (text, self._ranked(query, self._vectors.encode_one(text)))
        return self._last[1]

    def _ranked(self, query: Sequence[str], vector: Vectors) -> list[tuple[str, float, int]]:
        """(entry id, score, choice index) for each entry, best first: the blend of its
        best phrasing's overlap and its best phrasing's cosine. The index is the phrasing
        with the best overlap, the one evidence is counted on; -1 when none overlaps,
        which is no evidence at all."""
        overlap: dict[int, float] = {}
        for word in set(query):
            weight = self._weights.get(word, UNKNOWN_WEIGHT)
            for index in self._index.get(word, ()):
                overlap[index] = overlap.get(index, 0.0) + weight
        query_weight = sum(self._weights.get(w, UNKNOWN_WEIGHT) for w in set(query))
        topics = self._topics(query)
        allowed = self._topic_mask(topics)
        lexical: dict[str, tuple[float, int]] = {}
        for index, shared in overlap.items():
            if not allowed[index]:
                continue  # "drills every day" is not "roll every day"
            score = 200.0 * shared / (query_weight + self._choice_weights[index])
            entry_id = self._choices[index].entry.id
            if score > lexical.get(entry_id, (-1.0, -1))[0]:
                lexical[entry_id] = (score, index)
        cosines = self._phrasing_vectors @ vector
        if topics:
            cosines = np.where(allowed, cosines, _NOT_ALLOWED)
        best_cosine = np.maximum.reduceat(cosines, self._entry_starts)
        scores = ((1.0 - LEXICAL_SHARE) * 100.0) * best_cosine
        indexes = [-1] * len(self._entry_ids)
        for entry_id, (overlap_score, index) in lexical.items():
            number = self._entry_number[entry_id]
            scores[number] += LEXICAL_SHARE * overlap_score
            indexes[number] = index
        # Stable: equal scores keep the content's order.
        order = np.argsort(-scores, kind="stable").tolist()
        values = scores.tolist()
        # An entry all of whose phrasings are on a topic the message rules out is left out.
        ruled_out = (best_cosine <= _NOT_ALLOWED).tolist()
        return [(self._entry_ids[n], values[n], indexes[n]) for n in order if not ruled_out[n]]

    def _topic_mask(self, topics: frozenset[int]) -> np.ndarray:
        """Which phrasings a message on ``topics`` may match: all but those only about a
        topic the message does not name."""
        mask = self._topic_masks.get(topics)
        if mask is None:
            mask = np.array(
                [not (topics and own and not topics & own) for own in self._choice_topics]
            )
            self._topic_masks[topics] = mask
        return mask

    def _topics(self, query: Iterable[str]) -> frozenset[int]:
        return frozenset(self._topic_of[w] for w in query if w in self._topic_of)

    def _best(self, query: Sequence[str], ranked: list[tuple[str, float, int]]) -> FaqHit | None:
        if not ranked:
            return None
        _, score, index = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        if score < CUTOFF or score - runner_up < MARGIN or index < 0:
            return None
        shared = sum(self._weights.get(w, 0.0) for w in set(query) & self._keys[index])
        if shared < MIN_EVIDENCE:
            return None
        choice = self._choices[index]
        return FaqHit(choice.entry, score, choice.phrasing)


_NOT_ALLOWED = -2.0
"""Below any cosine: marks a phrasing ruled out by topic."""


def _nearest(word: str, candidates: Sequence[str], edits: int) -> str | None:
    """The candidate fewest edits away (transposing two letters counts as one), if any is
    within ``edits``."""
    match = process.extractOne(word, candidates, scorer=OSA.distance, score_cutoff=edits)
    return None if match is None else match[0]


def _starts_with(tokens: Sequence[str], phrase: Sequence[str]) -> bool:
    return bool(phrase) and tuple(tokens[: len(phrase)]) == tuple(phrase)


def _phrases(texts: Sequence[str]) -> tuple[str, ...]:
    """Phrases as " word word " strings, to find whole words with ``in``."""
    return tuple(_padded(words(text)) for text in texts if words(text))


def _padded(tokens: Sequence[str]) -> str:
    return f" {' '.join(tokens)} "
