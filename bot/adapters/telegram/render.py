"""How core replies look on Telegram: message splitting, keyboard rows, the pressed mark.

Pure functions, no network. Telegram measures lengths in UTF-16 code units, so an emoji
counts twice; everything here measures the same way.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

from bot.adapters import text as text_limits

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_ANSWER = 200
MAX_PER_ROW = 8
MAX_BUTTONS = 100
# A phone shows about this many characters across one row of buttons.
ROW_WIDTH = 36
# A label longer than this gets a row of its own.
SHORT_LABEL = 14
ELLIPSIS = text_limits.ELLIPSIS


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut ``text`` into message-sized parts, counted in UTF-16 units as Telegram does."""
    return text_limits.split_text(text, limit, text_limits.utf16_units)


def fit(text: str, limit: int) -> str:
    """``text`` shortened with an ellipsis to at most ``limit`` UTF-16 units."""
    return text_limits.fit(text, limit, text_limits.utf16_units)


HTML = "HTML"


def formatted(text: str, bold: Sequence[str]) -> tuple[str, str | None]:
    """``text`` as Telegram's HTML with the ``bold`` parts in ``<b>``, and the parse
    mode to send it with; plain text and ``None`` when nothing in it is bold.

    Every character of the text is escaped, so nothing a runner typed or content holds
    ("<b>", "&") is ever read as markup. Lengths don't change: Telegram counts the text
    after parsing, which is ``text`` itself."""
    spans = text_limits.bold_spans(text, bold)
    if not spans:
        return text, None
    out: list[str] = []
    at = 0
    for start, end in spans:
        out.append(html.escape(text[at:start], quote=False))
        out.append(f"<b>{html.escape(text[start:end], quote=False)}</b>")
        at = end
    out.append(html.escape(text[at:], quote=False))
    return "".join(out), HTML


def keyboard_rows(labels: Sequence[str]) -> list[list[int]]:
    """Indexes of ``labels`` grouped into keyboard rows, in order.

    Short labels sit side by side (at most eight to a row, within a phone's width, rows
    balanced so eleven buttons become 6 + 5 rather than 8 + 3); a long label gets a row of
    its own.
    """
    if len(labels) > MAX_BUTTONS:
        raise ValueError(f"Telegram shows at most {MAX_BUTTONS} buttons")
    rows: list[list[int]] = []
    run: list[int] = []
    for index, label in enumerate(labels):
        if utf16_len(label) > SHORT_LABEL:
            rows += _balanced(run, labels)
            run = []
            rows.append([index])
        else:
            run.append(index)
    rows += _balanced(run, labels)
    return rows


def _balanced(run: list[int], labels: Sequence[str]) -> list[list[int]]:
    if not run:
        return []
    # Each button also needs some padding around its label.
    width = sum(utf16_len(labels[i]) + 4 for i in run)
    count = max(math.ceil(len(run) / MAX_PER_ROW), math.ceil(width / ROW_WIDTH))
    size, extra = divmod(len(run), count)
    rows, start = [], 0
    for row in range(count):
        end = start + size + (1 if row < extra else 0)
        rows.append(run[start:end])
        start = end
    return [row for row in rows if row]


def with_pressed_mark(text: str, mark: str) -> str | None:
    """The message text with the pressed choice added below, or ``None`` if it won't fit."""
    marked = f"{text}\n\n{mark}" if text else mark
    return marked if utf16_len(marked) <= MAX_TEXT else None
