"""How a core :class:`Reply` looks on Discord, within Discord's limits (pure; no I/O).

A reply becomes one or more messages: text over 2,000 characters is split at paragraph,
line or word boundaries; choices become buttons, five to a row and five rows to a
message (more choices continue in further messages, so none is lost); a button's
custom_id is the core's payload itself, so a press can be routed after a restart with
nothing kept in memory.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.adapters import text as text_limits
from bot.core.messages import Choice, ImageRef, Reply, Tone

MAX_CONTENT = 2000
MAX_LABEL = 80
MAX_CUSTOM_ID = 100
BUTTONS_PER_ROW = 5
ROWS_PER_MESSAGE = 5
BUTTONS_PER_MESSAGE = BUTTONS_PER_ROW * ROWS_PER_MESSAGE
ELLIPSIS = text_limits.ELLIPSIS


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    custom_id: str
    row: int
    tone: Tone = Tone.PLAIN


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file to upload: bytes in memory, or a picture the adapter fetches. A picture
    is shown in an embed, which points at the upload by its file name."""

    filename: str
    data: bytes | None = None
    image: ImageRef | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Piece:
    """One Discord message."""

    content: str
    buttons: tuple[Button, ...] = ()
    attachments: tuple[Attachment, ...] = ()


def pieces_of(reply: Reply) -> list[Piece]:
    """The messages that show ``reply``: files with the first, buttons with the last."""
    texts = split_text(reply.text) or [""]
    groups = _button_groups(reply.choices)
    attachments = _attachments(reply)
    # Buttons go under the last chunk of text, and carry on in messages of their own.
    contents = texts + [""] * max(0, len(groups) - 1)
    first_with_buttons = len(texts) - 1
    pieces = []
    for index, content in enumerate(contents):
        group = index - first_with_buttons
        buttons = groups[group] if 0 <= group < len(groups) else ()
        files = attachments if index == 0 else ()
        if content or buttons or files:
            pieces.append(Piece(content, buttons, files))
    return pieces


def split_text(text: str, limit: int = MAX_CONTENT) -> list[str]:
    """``text`` in chunks of at most ``limit`` characters, cut where a reader would."""
    return text_limits.split_text(text, limit)


def with_choice_shown(content: str, marker: str) -> str:
    """A pressed message's text with the chosen option added below, within the limit."""
    room = MAX_CONTENT - len(marker) - 2
    if len(content) > room:
        content = content[: room - 1].rstrip() + ELLIPSIS
    return f"{content}\n\n{marker}" if content else marker


def label_for(text: str) -> str:
    """A button label Discord accepts: one line, 1-80 characters."""
    text = " ".join(text.split()) or ELLIPSIS
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + ELLIPSIS


def _button_groups(choices: tuple[Choice, ...]) -> list[tuple[Button, ...]]:
    unique: list[Choice] = []
    seen: set[str] = set()
    for choice in choices:
        # A custom_id must be unique within a message; the same payload twice is one choice.
        if choice.payload not in seen and len(choice.payload) <= MAX_CUSTOM_ID:
            seen.add(choice.payload)
            unique.append(choice)
    groups = []
    for start in range(0, len(unique), BUTTONS_PER_MESSAGE):
        batch = unique[start : start + BUTTONS_PER_MESSAGE]
        groups.append(
            tuple(
                Button(
                    label_for(choice.label), choice.payload, index // BUTTONS_PER_ROW, choice.tone
                )
                for index, choice in enumerate(batch)
            )
        )
    return groups


def _attachments(reply: Reply) -> tuple[Attachment, ...]:
    files = []
    if reply.image is not None:
        name = reply.image.path.replace("\\", "/").rsplit("/", 1)[-1]
        files.append(Attachment(name, image=reply.image, description=reply.image.alt[:1024]))
    if reply.document is not None:
        files.append(Attachment(reply.document.filename, data=reply.document.data))
    return tuple(files)
