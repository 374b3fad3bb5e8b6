"""The red-flag pass triages with ``Reader.red_flags``: the same answer as a full reading."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.features.tight import Reader

HERE = Path(__file__).parent


def _phrases() -> list[str]:
    flags = yaml.safe_load(
        (HERE.parents[1] / "understanding" / "red_flags.yaml").read_text(encoding="utf-8")
    )
    table = yaml.safe_load((HERE / "phrases.yaml").read_text(encoding="utf-8"))
    extra = ["pain 9", "it's agony", "sore 9/10", "killing me, eight out of ten", "sore 4"]
    return [
        *(row["text"] for row in flags["red_flags"]),
        *flags["not_red_flags"],
        *(row["text"] for row in table),
        *extra,
    ]


def test_red_flags_agree_with_the_whole_reading(reader: Reader) -> None:
    differ = [t for t in _phrases() if reader.red_flags(t) != reader.read(t).triage]
    assert not differ, differ
