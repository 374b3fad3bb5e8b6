"""The beats of a rolling area's paced count, from its content (pure: no clock, no I/O)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.counts import Beat
from bot.features.tight.content import RollCount, TightWords


def roll_beats(
    words: TightWords, parts: Sequence[str], count: RollCount, *, light: bool
) -> tuple[list[Beat], float]:
    """The beats for rolling ``parts`` in turn ("left quad", "right quad": a "switch legs"
    between them), each for the area's seconds, a line every ``count.every`` seconds
    saying how long is left; and when the count ends."""
    seconds = count.light_seconds if light else count.seconds
    beats: list[Beat] = []
    at = 0.0
    for number, part in enumerate(parts):
        name = part[:1].upper() + part[1:]
        opening = words.roll_switch if number else words.roll_ready
        beats.append(Beat(at, opening.format(area=name)))
        elapsed = count.every
        while seconds - elapsed >= count.every - 1e-9:
            left = round(seconds - elapsed)
            beats.append(Beat(at + elapsed, words.roll_beat.format(area=name, left=left)))
            elapsed += count.every
        at += seconds
    return beats, at
