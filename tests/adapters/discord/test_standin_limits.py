"""The Discord stand-in holds embeds, attachments and autocomplete answers to Discord's
documented limits (embed title 256, description 4,096, 25 fields of name 256 and value
1,024, footer 2,048, author 256, 6,000 in all, 10 embeds a message; 10 attachments of at
most 10 MiB; 25 autocomplete choices of 1-100 characters), and the coach keeps to them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from bot.core.engine import Coach
from tests.adapters.discord_harness import make_adapter, running
from tests.standins.discord_api import DiscordStandIn
from tests.standins.discord_rules import check_autocomplete, check_embeds, check_message


@dataclass
class File:
    filename: str
    data: bytes


def embed(**parts: Any) -> dict[str, Any]:
    return {"type": "rich", **parts}


def fields(count: int, name: str = "n", value: str = "v") -> list[dict[str, str]]:
    return [{"name": name, "value": value} for _ in range(count)]


@pytest.mark.parametrize(
    ("embeds", "problem"),
    [
        ([embed(title="t" * 257)], "title has 257"),
        ([embed(description="d" * 4097)], "description has 4097"),
        ([embed(fields=fields(26))], "26 fields"),
        ([embed(fields=fields(1, name="n" * 257))], "field 0 name has 257"),
        ([embed(fields=fields(1, value="v" * 1025))], "field 0 value has 1025"),
        ([embed(footer={"text": "f" * 2049})], "footer has 2049"),
        ([embed(author={"name": "a" * 257})], "author name has 257"),
        ([embed(description="d" * 4000), embed(description="d" * 2001)], "6001 characters"),
        ([embed(title="t")] * 11, "11 embeds"),
        ([embed(image={"url": "attachment://demo.gif"})], "names no file"),
    ],
)
def test_embeds_beyond_the_limits_are_refused(embeds: list[dict[str, Any]], problem: str) -> None:
    problems = check_embeds(embeds, set())
    assert any(problem in p for p in problems), problems


def test_embeds_at_the_limits_pass() -> None:
    full = embed(
        title="t" * 256,
        description="d" * 1000,
        fields=fields(3, name="n" * 256, value="v" * 1024),
        footer={"text": "f" * 639},
        author={"name": "a" * 256},
        image={"url": "attachment://demo.gif"},
    )
    # 6,000 characters in all, the nine one-letter titles included.
    assert sum([256, 1000, 3 * (256 + 1024), 639, 256, 9]) == 6000
    assert check_embeds([full] + [embed(title="t")] * 9, {"demo.gif"}) == []


def test_attachments_beyond_the_limits_are_refused() -> None:
    big = {"content": "x", "__files__": [File("demo.gif", b"\0" * (10 * 1024 * 1024 + 1))]}
    assert any("is 10485761 bytes" in p for p in check_message(big, creating=True))
    many = {"content": "x", "attachments": [{"id": n, "filename": f"{n}.gif"} for n in range(11)]}
    assert any("11 attachments" in p for p in check_message(many, creating=True))
    at_limit = {"content": "x", "__files__": [File("demo.gif", b"\0" * (10 * 1024 * 1024))]}
    assert check_message(at_limit, creating=True) == []


@pytest.mark.parametrize(
    ("choices", "problem"),
    [
        ([{"name": str(n), "value": str(n)} for n in range(26)], "26 choices"),
        ([{"name": "n" * 101, "value": "v"}], "choice name"),
        ([{"name": "", "value": "v"}], "choice name"),
        ([{"name": "n", "value": "v" * 101}], "choice value"),
        ("Europe/Madrid", "must be an array"),
    ],
)
def test_autocomplete_answers_beyond_the_limits_are_refused(choices: Any, problem: str) -> None:
    assert any(problem in p for p in check_autocomplete(choices))


def test_autocomplete_answers_at_the_limits_pass() -> None:
    choices = [{"name": "n" * 100, "value": f"{n:0>100}"} for n in range(25)]
    assert check_autocomplete(choices) == []


async def test_the_coach_answers_any_zone_typed_within_the_limits(
    api: DiscordStandIn, coach: Coach
) -> None:
    user = api.user("ann")
    typed = ["", "a", "e", "america/", "x" * 150, "🏃" * 60, "new york city of dreams " * 5]
    async with running(make_adapter(api, coach), api):
        for text in typed:
            choices = await api.autocomplete(user, "timezone", "zone", text)
            assert check_autocomplete(choices) == [], text
            days = await api.autocomplete(user, "remind", "days", text)
            assert check_autocomplete(days) == [], text
    assert api.violations == []
