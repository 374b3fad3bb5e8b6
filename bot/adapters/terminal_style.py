"""Colour in the terminal chat: ANSI styles when the output is a terminal and the
runner has not asked for none (the ``NO_COLOR`` convention, https://no-color.org: set
and not empty means no colour; ``TERM=dumb`` too). Piped or redirected output stays
plain text, so transcripts and scripts read it as they always have.

Four SGR codes that every terminal emulator in use understands, so no library is needed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TextIO

from bot.adapters.text import bold_spans

_BOLD, _NOT_BOLD = "\x1b[1m", "\x1b[22m"
_DIM, _NOT_DIM = "\x1b[2m", "\x1b[22m"
_CYAN, _DEFAULT = "\x1b[36m", "\x1b[39m"


@dataclass(frozen=True, slots=True)
class Style:
    colour: bool = False

    def bold(self, text: str, parts: Sequence[str]) -> str:
        """``text`` with every occurrence of ``parts`` in bold."""
        if not self.colour:
            return text
        out, at = [], 0
        for start, end in bold_spans(text, parts):
            out += [text[at:start], _BOLD, text[start:end], _NOT_BOLD]
            at = end
        out.append(text[at:])
        return "".join(out)

    def key(self, text: str) -> str:
        """A button's key (``[1]``), the part to type."""
        return f"{_CYAN}{text}{_DEFAULT}" if self.colour else text

    def quiet(self, text: str) -> str:
        """Asides: a picture's path and cue, a notice."""
        return f"{_DIM}{text}{_NOT_DIM}" if self.colour else text


PLAIN = Style()


def style_for(stream: TextIO | None, environ: Mapping[str, str]) -> Style:
    """Colour only for a terminal, and only if ``NO_COLOR`` is unset or empty."""
    if environ.get("NO_COLOR") or environ.get("TERM") == "dumb":
        return PLAIN
    return Style(colour=is_terminal(stream))


def is_terminal(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (OSError, ValueError):
        return False
