"""The labelled phrase sets: how well the coach recognises FAQ questions runners type, and
how reliably it leaves everything else (reports, commands, chat) alone.

Thirteen sets, none of whose texts is in content/faq.yaml:

- faq_tuning.yaml chose the cutoff and margin (56 positives, 35 negatives).
- faq_phrases.yaml was written with it, before any tuning, as the held-out set (90, 57).
  First measured at 83/90 and 56/57; it then guided fixes (synonyms, typo handling,
  off-topic words), so today's figure is no longer an unseen one.
- faq_holdout.yaml holds three batches written later, each measured once on arrival:
  51/56 and 23/25, then 50/56 and 29/30, then 47/56 and 28/30 (about 89% of unseen
  questions answered, and 95% of other messages left alone).
- faq_unseen.yaml (batch 4: 112, 40) was written before the phrase rewrites ("how long"
  is a duration, "long run" a kind of run), the conditions ("if my hips are sore" is not
  a report) and the wider synonyms: 89/112 and 39/40 on arrival. The misses of the three
  sets above guided that round, then its own (105/112 and 40/40 after).
- faq_fresh.yaml (batch 5: 84, 30), written after that round: 77/84 (92%) and 30/30 on
  arrival; its misses guided one more small round (82/84 after).
- faq_final.yaml (batch 6: 84, 30), written after that, measured once: 76/84 (90%) and
  30/30. Nothing was changed for it at the time; its floor below is the honest one.
- faq_batch7.yaml (batch 7: 69, 19, after taking out phrasings already in content or in
  another set), written before the next round (endings dropped from unknown words, "or" as
  a question word, "the right amount" not a side, "amount of time" a duration, and
  ``suggest`` for "Did you mean …?"): 63/69 (91.3%) and 19/19 on arrival, 65/69 (94.2%)
  and 19/19 after. That round was guided by faq_final.yaml's misses (76/84 before, 80/84
  after); "amount of time" was in a miss of both sets.
- faq_batch8.yaml (batch 8: 60, 11), written before the round of concept words (race
  names and distances, waking up the glutes, routine against rolling): 51/60 (85.0%) and
  11/11 on arrival. That round (race distances and names read as a race, "fire", "wake
  up" and "switch on" as activating, exercises as drills, "tender" as sore, race times
  off topic) was guided by batch 7's and batch 8's misses: 69/69 and 57/60 after.
- faq_batch9.yaml (batch 9: 32, 8), written after that round and measured once with
  nothing changed for it: 24/32 (75.0%) and 7/8; the round did not carry to new
  phrasings as well as batch 7 and 8 suggest. Its misses then guided one more round
  (topics that rule each other out, "pushing" as pressure, "home from" as after, "minus"
  as cold, "did my" off topic): 29/32 and 8/8 after, no longer an unseen figure.
- faq_batch10.yaml (batch 10: 32, 8), written after that round and measured once with
  nothing changed for it: 26/32 (81.2%) and 8/8, the latest unseen figure.

The sentence-vector round changed no content and no step 1 or 2 check: each entry's score
became half its overlap and half the cosine of the message's static sentence vector
(bot/features/faq/model, distilled from all-MiniLM-L6-v2) with its closest phrasing, and
the cutoff, margin and "Did you mean" thresholds were chosen again on faq_tuning.yaml
alone. The blend itself was chosen after an experiment that ranked every set (best entry
first, no cutoff) and found the right entry first more often (batch 10: 26 -> 30 of 32),
so none of these sets is unseen for it. Answered right, and left alone, before -> after:
tuning 55 -> 56/56, 35 -> 35; phrases 88 -> 88/90, 57 -> 57; holdout 164 -> 165/168,
83 -> 81/85 ("which foam roller should i buy" and "how do you work" now taken, "should i
run every day" no longer); unseen 108 -> 108/112, 40 -> 40; fresh 83 -> 84/84, 30 -> 30;
final 81 -> 81/84, 30 -> 30; batch 7 69 -> 68/69, 19 -> 19; batch 8 57 -> 57/60, 11 -> 11;
batch 9 29 -> 30/32, 8 -> 8; batch 10 26 -> 27/32, 8 -> 8. Most of the better ranking
falls below the cutoff: the cosine of an unrelated message ("how do i get better at
running") is about as high as a real question's, so it helps choose between entries far
more than it tells a FAQ question from other chat.

- faq_batch11.yaml (batch 11: 68, 25) and faq_batch12.yaml (batch 12: 94, 30), written blind
  after the sentence-vector round, after taking out 16 and 18 phrasings already in content
  or in another set (all of which were answered). On arrival, lexical-only 59/68 and 69/94
  (75/84 and 87/112 before the duplicates came out); blend 62/68 (+1 offered as Did you
  mean) and 76/94 (+10 offered), 78/84 and 94/112 before; negatives 25/25 and 30/30. Every
  miss was a refusal, never a wrong answer. Then one round guided by their misses: the
  report gate let through a body part supposed or asked about as a cause ("should i skip my
  run if my hips ache" - a body part belongs to the owner nearest before it; "is sitting why
  my hips are stiff", "is the sitting to blame"), "bad for you" and "safe to" ask, drills
  described as their answers describe them (one phrasing each: "bob" as bouncing, "kick",
  an ankle across the other thigh), and synonyms ("jog" as run, "every night" as every day,
  "hurt myself" and "something worse" as injury, "computer" as desk, "sat" as sitting, a
  minus sign as minus, "push through" as keep going, "around a run" as before and after).
  After: batch 11 66/68 (82/84 with the duplicates), batch 12 89/94 (+5 offered; 107/112),
  negatives 25/25 and 30/30, no longer unseen figures. The same round moved final 81 -> 82/84,
  batch 8 57 -> 58/60 and batch 10 27 -> 28/32, every other set and every negative as before.
- faq_batch13.yaml (batch 13: 69, 25), written blind after that round (after taking out 15
  phrasings already in content or in another set, all of them answered) and measured once,
  with nothing changed for it: 67/69 (97.1%; 82/84 before the duplicates came out, +1
  offered as Did you mean) and 25/25, the latest unseen figure. On the same batch,
  lexical-only scored 69/84 (82.1%) and the blend before the round 77/84 (91.7%).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from bot.features.faq import FaqContent, FaqMatcher
from bot.features.faq.text import words

HERE = Path(__file__).parent
TIGHT_PHRASES = HERE.parent / "tight" / "phrases.yaml"


@dataclass(frozen=True)
class LabelledSet:
    positives: list[tuple[str, str]]
    negatives: list[str]


def _load(name: str) -> LabelledSet:
    data = yaml.safe_load((HERE / name).read_text(encoding="utf-8"))
    return LabelledSet(
        positives=[(str(row["text"]), str(row["id"])) for row in data["positives"]],
        negatives=[str(text) for text in data["negatives"]],
    )


SETS = {
    name: _load(f"faq_{name}.yaml")
    for name in (
        "tuning",
        "phrases",
        "holdout",
        "unseen",
        "fresh",
        "final",
        "batch7",
        "batch8",
        "batch9",
        "batch10",
        "batch11",
        "batch12",
        "batch13",
    )
}
FLOORS = {
    # name: (share of positives answered right, share of negatives left alone)
    "tuning": (1.0, 1.0),
    "phrases": (0.97, 1.0),
    "holdout": (0.98, 0.95),
    "unseen": (0.96, 1.0),
    "fresh": (1.0, 1.0),
    "final": (0.97, 1.0),
    "batch7": (0.98, 1.0),
    "batch8": (0.96, 1.0),
    "batch9": (0.93, 1.0),
    "batch10": (0.87, 1.0),
    "batch11": (0.97, 1.0),
    "batch12": (0.94, 1.0),
    "batch13": (0.97, 1.0),
}


def _normal(text: str) -> str:
    return " ".join(words(text))


def test_the_sets_are_big_unseen_and_point_at_real_entries(faq_content: FaqContent) -> None:
    held_out = SETS["phrases"]
    assert len(held_out.positives) >= 75
    assert len(held_out.negatives) >= 40
    ids = {entry.id for entry in faq_content.entries}
    known = {
        _normal(text)
        for entry in faq_content.entries
        for text in (entry.question, *entry.phrasings)
    }
    seen: set[str] = set()
    for name, labelled in SETS.items():
        for text, entry_id in labelled.positives:
            assert entry_id in ids, (name, text)
            assert _normal(text) not in known, f"{name}: {text!r} is a content phrasing"
            assert _normal(text) not in seen, f"{name}: {text!r} is in two sets"
            seen.add(_normal(text))
        assert {entry_id for _, entry_id in labelled.positives} == ids or name == "holdout"


@pytest.mark.parametrize("name", list(SETS))
def test_questions_find_their_answer(matcher: FaqMatcher, name: str) -> None:
    labelled = SETS[name]
    misses = []
    for text, expected in labelled.positives:
        hit = matcher.answer(text)
        got = hit.entry.id if hit else None
        if got != expected:
            misses.append(f"{text!r}: expected {expected}, got {got}")
    right = len(labelled.positives) - len(misses)
    share = right / len(labelled.positives)
    floor = FLOORS[name][0]
    assert share >= floor, f"{name}: {right}/{len(labelled.positives)}; misses:\n" + "\n".join(
        misses
    )


@pytest.mark.parametrize("name", list(SETS))
def test_other_messages_get_no_answer(matcher: FaqMatcher, name: str) -> None:
    labelled = SETS[name]
    taken = []
    for text in labelled.negatives:
        hit = matcher.answer(text)
        if hit is not None:
            taken.append(f"{text!r} -> {hit.entry.id} ({hit.score:.0f})")
    left_alone = (len(labelled.negatives) - len(taken)) / len(labelled.negatives)
    assert left_alone >= FLOORS[name][1], f"{name}: taken for a FAQ:\n" + "\n".join(taken)


@pytest.mark.parametrize(
    "text",
    [
        "hi",
        "thanks",
        "remind me at 7",
        "left glute tight",
        "warmup",
        "warm up?",
        "lets warm up",
        "foam roll?",
        "how long?",
        "roll",
        "my hip flexors are so tight what should i do",
        "right hamstring 7/10 should i roll it",
        "what should i eat before a long run",
        "is it ok to run with a cold",
        "is it bad that my knee clicks",
        "",
        "?",
        "!!!",
    ],
)
def test_these_are_never_a_faq(matcher: FaqMatcher, text: str) -> None:
    assert matcher.answer(text) is None


def test_no_tight_spot_report_is_taken_for_a_faq(matcher: FaqMatcher) -> None:
    rows = yaml.safe_load(TIGHT_PHRASES.read_text(encoding="utf-8"))
    taken = [(row["text"], hit.entry.id) for row in rows if (hit := matcher.answer(row["text"]))]
    assert len(rows) >= 150
    assert taken == []


def test_a_hit_carries_the_entry_its_score_and_phrasing(matcher: FaqMatcher) -> None:
    hit = matcher.answer("How long should I foam roll each leg?")
    assert hit is not None
    assert hit.entry.id == "roll_duration"
    assert 55 <= hit.score <= 100
    assert hit.phrasing in (hit.entry.question, *hit.entry.phrasings)
    assert hit.entry.answer


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hw long shud i foam rol for", "roll_duration"),
        ("shoudl i strech b4 a run", "dynamic_vs_static"),
        ("wat r the toy soliders for", "toy_soldiers"),
        ("is it ok to foamroll evry day", "roll_daily"),
        ("WHY DO I NEED TO WARM UP?!", "why_warm_up"),
        ("doms?", "doms_vs_injury"),
        ("can i foam roll my spine", "where_not_to_roll"),
        ("is it ok to roll right after a run or should i wait", "roll_before_or_after"),
    ],
)
def test_typos_shouting_and_word_forms_are_read(
    matcher: FaqMatcher, text: str, expected: str
) -> None:
    hit = matcher.answer(text)
    assert hit is not None, text
    assert hit.entry.id == expected


def test_scores_rank_every_entry_for_tuning(matcher: FaqMatcher) -> None:
    ranked = matcher.scores("how do i warm up in winter")
    assert ranked[0][0] == "cold_weather"
    assert [score for _, score in ranked] == sorted((score for _, score in ranked), reverse=True)
    assert matcher.scores("") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("is it ok to do the hip drills daily", "routine_frequency"),
        ("can i use the foam roller daily", "roll_daily"),
    ],
)
def test_drills_and_rolling_are_told_apart(matcher: FaqMatcher, text: str, expected: str) -> None:
    hit = matcher.answer(text)
    assert hit is not None, text
    assert hit.entry.id == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("is my desk job why my hip flexors are tight?", "sitting_hip_flexors"),
        ("can i run if my quads are sore from yesterday", "run_when_sore"),
        ("its -3 out, how do i warm up", "cold_weather"),
        ("my hips ache, should i skip my run?", None),
        ("my hip hurts, safe to run?", None),
    ],
)
def test_a_body_part_asked_about_is_a_question_and_one_reported_is_not(
    matcher: FaqMatcher, text: str, expected: str | None
) -> None:
    hit = matcher.answer(text)
    assert (hit.entry.id if hit else None) == expected
