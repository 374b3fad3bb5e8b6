"""The beats of a drill's paced count, from its content (pure: no clock, no I/O)."""

from __future__ import annotations

from bot.core.counts import Beat
from bot.features.warmup.content import PacedReps, WarmupTexts


def drill_beats(texts: WarmupTexts, name: str, paced: PacedReps) -> tuple[list[Beat], float]:
    """The beats for ``paced`` and when the count ends, in seconds from its start.

    Get ready (naming the first side), then each rep, one every ``paced.every``; with two
    sides a "switch legs" beat halfway, and ``paced.lead`` seconds to change over.
    """
    sides: tuple[str, ...] = paced.sides or ("",)
    ready = texts.count_ready.format(name=name)
    beats = [Beat(0.0, _lines(ready, sides[0]))]
    at = paced.lead
    for number, side in enumerate(sides):
        if number:
            beats.append(Beat(at, _lines(name, texts.count_switch.format(side=side))))
            at += paced.lead
        for rep in range(1, paced.reps + 1):
            beat = texts.count_beat.format(word=paced.word, count=rep, total=paced.reps)
            beats.append(Beat(at, _lines(name, side, beat)))
            at += paced.every
    return beats, at


def _lines(*lines: str) -> str:
    return "\n".join(line for line in lines if line)
