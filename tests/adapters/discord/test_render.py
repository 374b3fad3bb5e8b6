"""A reply of any size fits Discord's message and component limits, losing nothing."""

from __future__ import annotations

import discord

from bot.adapters.discord.adapter import _view_of
from bot.adapters.discord.render import (
    MAX_CONTENT,
    label_for,
    pieces_of,
    split_text,
    with_choice_shown,
)
from bot.core.messages import Choice, Document, ImageRef, Reply
from tests.standins.discord_rules import check_message


def _choices(count: int, label: str = "Option") -> tuple[Choice, ...]:
    return tuple(Choice(f"{label} {n}", f"v1:abcd:abcdef:opt.{n}") for n in range(count))


async def test_many_choices_become_buttons_within_the_limits() -> None:
    reply = Reply("Pick one", choices=_choices(31, label="L" * 90))
    pieces = pieces_of(reply)
    assert [len(p.buttons) for p in pieces] == [25, 6]
    assert pieces[0].content == "Pick one"
    assert pieces[1].content == ""
    shown = [b.custom_id for p in pieces for b in p.buttons]
    assert shown == [c.payload for c in reply.choices]  # every choice, in order
    for piece in pieces:
        view = _view_of(piece)
        assert view is not None
        body = {"content": piece.content or None, "components": view.to_components()}
        assert check_message(body, creating=True) == []
        assert all(len(b.label) <= 80 for b in piece.buttons)


async def test_buttons_fill_rows_of_five_in_order() -> None:
    [piece] = pieces_of(Reply("Soreness?", choices=_choices(11)))
    assert [b.row for b in piece.buttons] == [0] * 5 + [1] * 5 + [2]
    view = _view_of(piece)
    assert view is not None
    rows = view.to_components()
    assert [len(row["components"]) for row in rows] == [5, 5, 1]
    assert rows[0]["components"][0]["style"] == discord.ButtonStyle.secondary.value


def test_long_text_is_split_where_a_reader_would_and_nothing_is_lost() -> None:
    paragraph = ("Keep your back straight and lower your hips slowly. " * 12).strip()
    text = "\n\n".join([paragraph] * 6)
    chunks = split_text(text)
    assert len(chunks) > 1
    assert all(len(c) <= MAX_CONTENT for c in chunks)
    assert all(c.endswith(".") for c in chunks)  # cut between paragraphs
    assert " ".join(" ".join(chunks).split()) == " ".join(text.split())


def test_text_without_spaces_is_still_split() -> None:
    chunks = split_text("x" * 4500)
    assert [len(c) for c in chunks] == [2000, 2000, 500]


def test_buttons_go_under_the_last_chunk_and_files_with_the_first() -> None:
    reply = Reply(
        "word " * 900,
        choices=_choices(2),
        image=ImageRef("images/lunge.png", "A runner in a lunge"),
        document=Document("export.json", b"{}"),
    )
    first, *_, last = pieces_of(reply)
    assert [a.filename for a in first.attachments] == ["lunge.png", "export.json"]
    assert first.attachments[0].description == "A runner in a lunge"
    assert not first.buttons
    assert len(last.buttons) == 2


def test_a_repeated_payload_is_one_button() -> None:
    twice = (Choice("Done", "v1:abcd:abcdef:wu.done"), Choice("Done!", "v1:abcd:abcdef:wu.done"))
    [piece] = pieces_of(Reply("Next?", choices=twice))
    assert [b.label for b in piece.buttons] == ["Done"]


def test_every_label_is_one_line_of_1_to_80_characters() -> None:
    assert label_for("Snooze\n10 min") == "Snooze 10 min"
    assert label_for("   ") == "…"
    assert len(label_for("x" * 200)) == 80


def test_the_chosen_option_is_added_within_the_limit() -> None:
    assert with_choice_shown("Drill 1", "» Done") == "Drill 1\n\n» Done"
    long = with_choice_shown("y" * 2000, "» Done")
    assert len(long) == MAX_CONTENT
    assert long.endswith("…\n\n» Done")
