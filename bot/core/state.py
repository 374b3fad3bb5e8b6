"""The saved state of one conversation, stored as versioned JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

STATE_VERSION = 1
JsonDict = dict[str, Any]


@dataclass(slots=True)
class FlowState:
    """Which flow and step a conversation is in, plus that flow's own data.

    ``nonce`` is the current prompt's token; buttons from any earlier prompt carry a
    different one and are treated as expired.
    """

    flow: str | None = None
    step: str | None = None
    nonce: str = ""
    data: JsonDict = field(default_factory=dict)

    @property
    def idle(self) -> bool:
        return self.flow is None

    def to_json(self) -> JsonDict:
        return {
            "v": STATE_VERSION,
            "flow": self.flow,
            "step": self.step,
            "nonce": self.nonce,
            "data": self.data,
        }

    @classmethod
    def from_json(cls, raw: object) -> FlowState:
        """Read saved state; anything unreadable or from an unknown version starts fresh."""
        if not isinstance(raw, dict) or raw.get("v") != STATE_VERSION:
            return cls()
        flow, step, nonce, data = (raw.get(k) for k in ("flow", "step", "nonce", "data"))
        if not (
            isinstance(flow, str | None)
            and isinstance(step, str | None)
            and isinstance(nonce, str)
            and isinstance(data, dict)
        ):
            return cls()
        return cls(flow=flow, step=step, nonce=nonce, data=data)
