"""Turning what a runner typed into tokens the reader can match on."""

from __future__ import annotations

import re

MAX_CHARS = 1000
"""Longer messages are read up to here: nobody describes a tight spot in an essay."""

STRONG_BREAK = "."
SOFT_BREAK = ","
BREAKS = frozenset({STRONG_BREAK, SOFT_BREAK})

_APOSTROPHES = re.compile(r"['’‘`´]")
_DOTTED = re.compile(r"\b[a-z](?:\.[a-z])+\.?")  # "i.t.b." -> "itb"
_TOKEN = re.compile(
    r"\d+(?:\.\d+)?\s*/\s*10\b"  # 7/10, 7.5 / 10
    r"|\d+(?:\.\d+)?"
    r"|[a-z]+"
    r"|[.!?;\n]"
    r"|[,:()/&+]"
)


def tokenize(text: str) -> list[str]:
    """Lower-case words, numbers, "N/10" scores and break markers ("." or ",")."""
    lowered = _APOSTROPHES.sub("", text[:MAX_CHARS].lower())
    lowered = _DOTTED.sub(lambda m: m.group(0).replace(".", ""), lowered)
    lowered = lowered.replace("-", " ").replace("_", " ")
    tokens: list[str] = []
    for raw in _TOKEN.findall(lowered):
        if raw in ".!?;\n":
            token = STRONG_BREAK
        elif raw in ",:()/":
            token = SOFT_BREAK
        elif raw in "&+":
            token = "and"
        else:
            token = raw.replace(" ", "")
        if token in BREAKS and tokens and tokens[-1] in BREAKS:
            # Keep the stronger of two breaks in a row.
            if token == STRONG_BREAK:
                tokens[-1] = STRONG_BREAK
            continue
        tokens.append(token)
    return tokens


def normalise(text: str) -> str:
    """Words only, single-spaced: how vocabulary terms are compared."""
    return " ".join(token for token in tokenize(text) if token not in BREAKS)
