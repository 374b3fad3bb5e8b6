from __future__ import annotations

import random
import secrets

import pytest

from bot.core import payloads
from bot.core.messages import Choice


def test_round_trip() -> None:
    token = payloads.process_buttons().encode("12345", "abc123", "wu.done")
    decoded = payloads.process_buttons().decode(token)
    assert decoded is not None
    assert decoded.owner == payloads.process_buttons().owner_tag("12345")
    assert (decoded.scope, decoded.action) == ("abc123", "wu.done")


def test_longest_ids_fit_telegrams_64_bytes() -> None:
    token = payloads.process_buttons().encode(
        "9" * 64, payloads.ANY_SCOPE, "rem.snooze.123456789012"
    )
    assert len(token.encode()) <= 64


def test_too_long_action_is_refused_when_building() -> None:
    with pytest.raises(ValueError, match="bad action"):
        payloads.process_buttons().encode("1", "abc123", "x" * 60)


def test_choice_refuses_oversized_payloads() -> None:
    with pytest.raises(ValueError, match="1-64 bytes"):
        Choice("Done", "x" * 65)


def test_two_users_never_share_a_tag_in_100_000_ids() -> None:
    buttons = payloads.Buttons(secrets.token_bytes(32))
    ids = {str(random.randrange(10**15)) for _ in range(100_000)}
    tags = {buttons.owner_tag(user_id) for user_id in ids}
    assert len(tags) == len(ids)
    assert all(len(tag) == 8 for tag in tags)  # 48 bits


def test_a_tag_made_with_another_key_is_refused() -> None:
    ours, theirs = payloads.Buttons(b"a" * 32), payloads.Buttons(b"b" * 32)
    token = theirs.encode("12345", payloads.ANY_SCOPE, "menu.help")
    decoded = ours.decode(token)
    assert decoded is not None
    assert not ours.owns(decoded, "12345")
    assert theirs.owns(decoded, "12345")


def test_the_same_key_makes_the_same_tags() -> None:
    assert payloads.Buttons(b"k" * 32).owner_tag("7") == payloads.Buttons(b"k" * 32).owner_tag("7")


def test_every_action_in_use_fits_with_the_longest_ids() -> None:
    biggest = 10**12 - 1
    actions = [
        f"rem.snz.{biggest}.{biggest}",
        f"rem.skip.{biggest}.{biggest}",
        f"rem.resume.{biggest}",
        "x" * 41,  # the longest action the format allows
    ]
    for action in actions:
        for scope in (payloads.ANY_SCOPE, "abc123"):
            token = payloads.Buttons(b"k" * 32).encode("9" * 64, scope, action)
            assert len(token.encode()) <= 64


def test_old_payloads_are_recognised_as_old() -> None:
    assert payloads.is_old("v1:ab12:-:menu.help")
    assert not payloads.is_old("v2:abcdefgh:-:menu.help")
    assert payloads.process_buttons().decode("v1:ab12:-:menu.help") is None


def test_a_short_key_is_refused() -> None:
    with pytest.raises(ValueError, match="at least"):
        payloads.Buttons(b"short")


def test_the_key_is_not_in_the_repr() -> None:
    assert "k" * 32 not in repr(payloads.Buttons(b"k" * 32))
