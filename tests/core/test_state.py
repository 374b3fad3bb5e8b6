"""A flow's data at a step: versioned on its own, read and written in one place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Self

from pydantic import Field

from bot.core.state import FlowData, FlowState, NoData


@dataclass(frozen=True, slots=True)
class Laps(FlowData):
    done: Annotated[int, Field(ge=0)]
    name: str = ""


@dataclass(frozen=True, slots=True)
class LapsV2(FlowData):
    """Laps after a change the first reader would misread: ``done`` became ``laps``."""

    VERSION = 2
    laps: int

    @classmethod
    def upgrade(cls, raw: object, version: int) -> Self | None:
        older = Laps.from_json(raw, version)
        return None if older is None else cls(laps=older.done)


def test_data_round_trips_and_ignores_keys_it_does_not_know() -> None:
    assert Laps(done=3, name="track").to_json() == {"done": 3, "name": "track"}
    assert Laps.from_json({"done": 3, "extra": True}, 1) == Laps(done=3)


def test_data_that_does_not_fit_its_type_reads_as_nothing() -> None:
    assert Laps.from_json({"done": -1}, 1) is None
    assert Laps.from_json({"name": "no laps"}, 1) is None
    assert Laps.from_json(["done", 3], 1) is None


def test_another_version_reads_as_nothing_unless_upgraded() -> None:
    assert Laps.from_json({"done": 3}, 2) is None
    assert LapsV2.from_json({"done": 3}, 1) == LapsV2(laps=3)
    assert LapsV2.from_json({"laps": 4}, 2) == LapsV2(laps=4)
    assert LapsV2.from_json({"laps": 4}, 3) is None


def test_the_data_version_is_saved_only_once_it_is_past_the_first() -> None:
    state = FlowState()
    state.enter("laps", "counting", Laps(done=1))
    assert state.to_json() == {
        "v": 1,
        "flow": "laps",
        "step": "counting",
        "nonce": "",
        "data": {"done": 1, "name": ""},
    }
    state.enter("laps", "counting", LapsV2(laps=1))
    saved = state.to_json()
    assert saved["dv"] == 2
    assert FlowState.from_json(saved).read(LapsV2) == LapsV2(laps=1)


def test_state_saved_before_data_had_versions_reads_as_version_one() -> None:
    saved = {"v": 1, "flow": "laps", "step": "counting", "nonce": "abc123", "data": {"done": 5}}
    state = FlowState.from_json(saved)
    assert state.read(Laps) == Laps(done=5)
    assert FlowState.from_json(saved).read(LapsV2) == LapsV2(laps=5)
    assert state.to_json() == saved  # unchanged data is written back as it was


def test_an_unreadable_envelope_starts_fresh() -> None:
    assert FlowState.from_json({"v": 2, "flow": "laps"}).idle
    assert FlowState.from_json({"v": 1, "flow": "laps", "nonce": "", "data": [], "dv": 1}).idle
    assert FlowState.from_json({"v": 1, "flow": "laps", "nonce": "", "data": {}, "dv": "1"}).idle


def test_finishing_forgets_the_data() -> None:
    state = FlowState()
    state.enter("laps", "counting", LapsV2(laps=1))
    state.clear()
    assert state.idle
    assert state.to_json() == {"v": 1, "flow": None, "step": None, "nonce": "", "data": {}}
    assert state.read(NoData) == NoData()
