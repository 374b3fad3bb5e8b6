"""The understanding step: what every typed message passes through before any flow.

The app wires an ordered list of passes; the engine offers each typed message to them
in turn, and the first that handles it ends the step. A red flag ("sharp pain in my
hip") must be heard in every state, so it cannot be left to whichever flow is current.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

from rapidfuzz import fuzz, process

from bot.core.content import ContentError
from bot.core.numbers import read_number
from bot.core.prompts import MENU_OFFER, send_menu
from bot.core.texts import UnderstandingTexts
from bot.core.turn import Turn

log = logging.getLogger(__name__)


class TextPass(Protocol):
    """One pass of the understanding step. ``name`` explains a decision in the logs."""

    @property
    def name(self) -> str: ...

    async def __call__(self, turn: Turn, text: str) -> bool:
        """Handle ``text`` and return True, or leave it to the passes after."""
        ...


@dataclass(frozen=True, slots=True)
class FaqReply:
    """The FAQ's ``answer``, or when it is unsure the ``maybe`` questions to offer as
    "Did you mean …?": (question, button action) pairs, best first."""

    answer: str | None = None
    maybe: tuple[tuple[str, str], ...] = ()


class FaqAnswers(Protocol):
    """The FAQ's reply to a general question, or ``None``. Implemented by the FAQ feature."""

    def __call__(self, text: str) -> FaqReply | None: ...


class Understanding:
    """The ordered passes; ``hear`` says which one handled a message, if any."""

    def __init__(self, passes: Sequence[TextPass] = ()) -> None:
        self.passes = tuple(passes)

    async def hear(self, turn: Turn, text: str) -> str | None:
        for text_pass in self.passes:
            if await text_pass(turn, text):
                # Never the text itself: runners' words about their bodies stay out of logs.
                log.debug(
                    "understood pass=%s flow=%s step=%s",
                    text_pass.name,
                    turn.state.flow,
                    turn.state.step,
                )
                return text_pass.name
        return None


def plain_words(text: str) -> str:
    """Lower case, punctuation and emoji dropped, spaces collapsed: "Thanks!!" -> "thanks"."""
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text.lower()).split())


LABEL_CUTOFF = 85.0
"""Least similarity (0-100) for typed words to name a button: "very sor" is Very sore,
"sorry" is nothing."""


def typed_label(text: str, labels: Sequence[str]) -> int | None:
    """Which of a step's button ``labels`` the runner typed, allowing a typo ("a bit stif",
    "LOOSE") or the label's first words ("mild" for "Mild (3)", "no, just stiff" for "No,
    just stiff or fine"), by index; ``None`` when none is close or two are equally close."""
    typed = plain_words(text)
    if not typed:
        return None
    plain = [plain_words(label) for label in labels]
    if len(typed) >= TYPO_PREFIX:
        # At least half of the label: "very" alone is not "very sore".
        starting = [
            i
            for i, label in enumerate(plain)
            if f"{label} ".startswith(f"{typed} ") and 2 * len(typed) >= len(label)
        ]
        if len(starting) == 1:
            return starting[0]
    found = process.extract(typed, plain, scorer=fuzz.ratio, score_cutoff=LABEL_CUTOFF, limit=2)
    if not found or (len(found) > 1 and found[1][1] == found[0][1]):
        return None
    return found[0][2]


PHRASE_CUTOFF = 85.0
"""Least similarity (0-100) for typed words to be a typo of an everyday phrase:
"finsihed" is finished, "skip" is not stop."""


def typed_phrase(text: str, groups: Sequence[Sequence[str]]) -> int | None:
    """Which group of everyday phrases ``text`` says, by index: one of them exactly (any
    case and punctuation; emoji alone as typed), else a close typo ("finsihed") of one
    group's phrase; ``None`` when none is, or phrases of two groups are equally close."""
    said = _said(text)
    if not said:
        return None
    for index, group in enumerate(groups):
        if said in {_said(phrase) for phrase in group}:
            return index
    if len(said) < TYPO_PREFIX:
        return None
    best = 0.0
    found: set[int] = set()
    for index, group in enumerate(groups):
        for phrase in group:
            score = fuzz.ratio(said, _said(phrase))
            if score > best:
                best, found = score, {index}
            elif score == best:
                found.add(index)
    return found.pop() if best >= PHRASE_CUTOFF and len(found) == 1 else None


def typed_ordinal(text: str, count: int, words: UnderstandingTexts) -> int | None:
    """Which of ``count`` offered buttons ``text`` names by place, from 0: "1", "the first
    one", "second"; ``None`` for anything else or a place past the end."""
    said = _said(text)
    index = int(said) - 1 if said.isdecimal() and len(said) <= 2 else None
    if index is None:
        index = next((i for i, group in enumerate(words.ordinals) if said in group), None)
    return index if index is not None and 0 <= index < count else None


def typed_yes(text: str, words: UnderstandingTexts) -> bool:
    """A yes in everyday words: "yes", "yeah", "👍", or one followed by more agreement
    ("yep sure", "yes that's right", "ok thanks")."""
    said = _said(text)
    yes = {_said(w) for w in words.agree} - {""}
    if said in yes:
        return True
    more = {_said(w) for w in (*words.agree_more, *words.agree)} - {""}
    return any(said.startswith(f"{w} ") and said[len(w) + 1 :] in more for w in yes)


def typed_no(text: str, words: UnderstandingTexts) -> bool:
    """A no in everyday words: "no", "nope", "👎", or one followed by reassurance ("nope
    all good", "no, just stiff")."""
    said = _said(text)
    no = {_said(w) for w in words.disagree} - {""}
    if said in no:
        return True
    first, _, rest = said.partition(" ")
    return first in no and rest in {plain_words(w) for w in words.reassured}


def _said(text: str) -> str:
    """The plain words of ``text``, or for emoji alone the emoji ("👍")."""
    return plain_words(text) or "".join(text.split())


_NUMBER_TOKEN = re.compile(r"\d+|[^\W\d_]+|[/~+-]")


def spell_numbers(text: str, words: UnderstandingTexts) -> str:
    """``text`` with numbers said in words written as digits ("thirty mins" -> "30 mins",
    "forty five" -> "45"); anything else is left as typed."""
    names = sorted(words.number_words, key=lambda name: -len(name.split()))
    tokens = re.split(r"(\s+)", text)
    out: list[str] = []
    index = 0
    while index < len(tokens):
        for name in names:
            parts = name.split()
            span = tokens[index : index + 2 * len(parts) - 1 : 2]
            if [t.lower().strip(",.!?") for t in span] == parts:
                out.append(str(words.number_words[name]))
                index += 2 * len(parts) - 1
                break
        else:
            out.append(tokens[index])
            index += 1
    return "".join(out)


def read_amount(
    text: str, low: int, high: int, words: UnderstandingTexts, *, out_of: bool = True
) -> int | None:
    """One whole number from ``low`` to ``high``, in digits or words, with the everyday
    words around it: "7", "seven", "about 6", "like a 4", "6ish", "3 out of 10"."""
    value = read_number(text, low, high, out_of=out_of)
    if value is not None:
        return value
    tokens = _NUMBER_TOKEN.findall(text.lower().replace("'", "").replace("\u2019", ""))
    hedges = sorted(
        (_NUMBER_TOKEN.findall(h.lower().replace("'", "")) for h in words.number_hedges),
        key=len,
        reverse=True,
    )
    trimmed = True
    while trimmed and tokens:
        trimmed = False
        for hedge in hedges:
            if hedge and tokens[: len(hedge)] == hedge and len(tokens) > len(hedge):
                tokens = tokens[len(hedge) :]
                trimmed = True
                break
    after = [a.lower() for a in words.number_after]
    tops = {str(high), *(name for name, n in words.number_words.items() if n == high)}
    for index in range(1, len(tokens)):
        tail = " ".join(tokens[index:])
        lead = " ".join(tokens[index:-1])
        if tail in after or (out_of and lead in after and tokens[-1] in tops):
            tokens = tokens[:index]
            break
    said = " ".join(tokens)
    if said.isdecimal() and len(said) <= len(str(high)):
        value = int(said)
    else:
        value = words.number_words.get(said)
    return value if value is not None and low <= value <= high else None


TYPO_PREFIX = 4
"""Typed words this long may name a button by its first words."""


class SocialPass:
    """Greetings and thanks, answered briefly. Nothing else changes: the state and the
    buttons of the step in progress stay as they were, so they still work."""

    name = "social"

    def __init__(self, words: UnderstandingTexts) -> None:
        self.words = words
        self._greetings = frozenset(plain_words(w) for w in words.greetings)
        self._thanks = frozenset(plain_words(w) for w in words.thanks)

    async def __call__(self, turn: Turn, text: str) -> bool:
        plain = plain_words(text)
        if plain in self._greetings:
            turn.say(self.words.greeting_reply)
            return True
        if plain in self._thanks:
            turn.say(self.words.thanks_reply)
            return True
        return False


class FaqPass:
    """A general question the FAQ answers ("why warm up before a run?")."""

    name = "faq"

    def __init__(self, answers: FaqAnswers, words: UnderstandingTexts) -> None:
        self.answers = answers
        self.words = words

    async def __call__(self, turn: Turn, text: str) -> bool:
        reply = self.answers(text)
        if reply is None:
            return False
        if reply.answer is not None:
            turn.say(reply.answer)
            return True
        # Unsure: ask, with the questions as buttons. Only at idle: in a step in progress
        # its own buttons stay the newest (a typed "1" must still press the step's).
        if reply.maybe and turn.state.idle:
            choices = [turn.global_choice(question, action) for question, action in reply.maybe]
            turn.say(self.words.faq_did_you_mean, choices=choices)
            return True
        return False


REQUEST_CUTOFF = 88.0
"""Least similarity (0-100) for a message to be one of a request's phrases: "show me my
reminders" is "show my reminders", "show my reminder" too; "show my progress" is not."""


@dataclass(frozen=True, slots=True)
class _Request:
    command: str
    args: str


class RequestPass:
    """Requests in plain words ("show my reminders", "remind me mon wed fri at 6:30",
    "set my timezone to Toronto"), run as the command that owns them, with the words after
    a request's opening as its arguments. The flow learns they came in words
    (``Turn.in_words``) and may confirm before acting. Vocabulary from content."""

    name = "request"

    def __init__(self, words: UnderstandingTexts, commands: Collection[str]) -> None:
        unknown = sorted({r.command for r in words.requests} - set(commands))
        if unknown:
            raise ContentError(
                "\n".join(
                    f"texts/core.yaml: understanding.requests: no command /{c}" for c in unknown
                )
            )
        self._openers = tuple(
            sorted((_words_pattern(o) for o in words.request_openers), key=len, reverse=True)
        )
        self._closers = tuple(
            sorted((plain_words(c) for c in words.request_closers), key=len, reverse=True)
        )
        phrases: dict[str, _Request] = {}
        starts: list[tuple[re.Pattern[str], _Request]] = []
        for request in words.requests:
            found = _Request(request.command, request.args)
            for phrase in request.phrases:
                phrases.setdefault(plain_words(phrase), found)
            for start in request.starts:
                starts.append((re.compile(_words_pattern(start) + r"\b", re.IGNORECASE), found))
        self._phrases = phrases
        self._choices = list(phrases)
        # Longest first: "set a reminder for" before "set a reminder".
        self._starts = sorted(starts, key=lambda item: len(item[0].pattern), reverse=True)

    def read(self, text: str) -> tuple[str, str] | None:
        """(command, its arguments), or ``None``."""
        body = self._without_openers(text)
        plain = self._without_closers(plain_words(body))
        if not plain:
            return None
        exact = self._phrases.get(plain)
        # One word only as written: a near miss of one ("reminder") is a command's typo.
        if exact is None and " " in plain:
            found = process.extractOne(
                plain, self._choices, scorer=fuzz.ratio, score_cutoff=REQUEST_CUTOFF
            )
            exact = self._phrases[found[0]] if found is not None else None
        if exact is not None:
            return exact.command, exact.args
        for pattern, request in self._starts:
            match = pattern.match(body)
            if match is not None:
                rest = body[match.end() :].strip(" \t,.:;!-")
                return request.command, f"{request.args} {rest}".strip()
        return None

    def _without_openers(self, text: str) -> str:
        body = text.strip()
        changed = True
        while changed:
            changed = False
            for opener in self._openers:
                match = re.match(opener + r"\b[\s,]*", body, re.IGNORECASE)
                if match is not None and match.end() < len(body):
                    body = body[match.end() :]
                    changed = True
        return body

    def _without_closers(self, plain: str) -> str:
        changed = True
        while changed:
            changed = False
            for closer in self._closers:
                if plain.endswith(f" {closer}"):
                    plain = plain.removesuffix(f" {closer}")
                    changed = True
        return plain

    async def __call__(self, turn: Turn, text: str) -> bool:
        found = self.read(text)
        if found is None:
            return False
        command, args = found
        turn.redirect(command, args, in_words=True)
        return True


def _words_pattern(phrase: str) -> str:
    """A regular expression for ``phrase``'s words with anything but letters and digits
    between them ("time zone" also matches "time-zone"), from the start of the text."""
    return r"^\W*" + r"\W+".join(re.escape(word) for word in plain_words(phrase).split())


class IdleReplyPass:
    """A bare "yes" or "no" when no step asked for one. It answers what the coach's last
    message offered (the menu, a finished warm-up, "Did you mean /warmup?"), or says
    kindly what the coach can do: never "I can't help with that"."""

    name = "idle_reply"

    def __init__(self, words: UnderstandingTexts) -> None:
        self.words = words
        self._agree = frozenset(_said(w) for w in words.idle_agree) - {""}

    async def __call__(self, turn: Turn, text: str) -> bool:
        if not turn.state.idle:
            return False
        yes = typed_yes(text, self.words) or _said(text) in self._agree
        if not yes and not typed_no(text, self.words):
            return False
        offered = turn.offered or ""
        answers = self.words.idle
        if offered.startswith(RUN_OFFER):
            if yes:
                turn.redirect(offered.removeprefix(RUN_OFFER))
            else:
                turn.say(answers.no_nothing)
        elif offered == MENU_OFFER:
            if yes:
                send_menu(turn, answers.yes_menu)
            else:
                turn.say(answers.no_menu)
        elif offered == WARMUP_DONE_OFFER:
            turn.say(answers.yes_warmup_done if yes else answers.no_warmup_done)
        elif yes:
            send_menu(turn, answers.yes_nothing)
        else:
            turn.say(answers.no_nothing)
        return True


RUN_OFFER = "run:"
"""An offer to run a command ("run:warmup"): a bare "yes" runs it."""
WARMUP_DONE_OFFER = "warmup_done"
"""A warm-up just finished ("Have a great run!")."""
