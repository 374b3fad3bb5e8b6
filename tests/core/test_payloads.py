from __future__ import annotations

import pytest

from bot.core import payloads
from bot.core.messages import Choice


def test_round_trip() -> None:
    token = payloads.encode("12345", "abc123", "wu.done")
    decoded = payloads.decode(token)
    assert decoded is not None
    assert decoded.owner == payloads.owner_tag("12345")
    assert (decoded.scope, decoded.action) == ("abc123", "wu.done")


def test_longest_ids_fit_telegrams_64_bytes() -> None:
    token = payloads.encode("9" * 64, payloads.ANY_SCOPE, "rem.snooze.123456789012")
    assert len(token.encode()) <= 64


def test_too_long_action_is_refused_when_building() -> None:
    with pytest.raises(ValueError, match="bad action"):
        payloads.encode("1", "abc123", "x" * 60)


def test_choice_refuses_oversized_payloads() -> None:
    with pytest.raises(ValueError, match="1-64 bytes"):
        Choice("Done", "x" * 65)
