"""The saved state of one conversation: which flow and step, and that step's own data.

It is stored as JSON and written on every step::

    {"v": 1, "flow": "warmup", "step": "sharp", "nonce": "k3x9q2", "data": {"soreness": 4}}

``v`` is the shape of this envelope. ``data`` belongs to the flow: each step keeps one
:class:`FlowData` model, which has its own ``VERSION``, saved as ``dv``. A flow changes
its data by bumping its own version, and no other flow or the envelope needs to know.

``dv`` is left out while it is 1, so version 1 of every model is exactly the shape
conversations had before data carried versions: those load as they are, and a state
written now is still read by the release before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Self, TypeVar

from pydantic import TypeAdapter, ValidationError

STATE_VERSION = 1
JsonDict = dict[str, Any]
_FIRST = 1  # the version of data saved without a "dv"
D = TypeVar("D", bound="FlowData")


@dataclass(frozen=True, slots=True)
class FlowData:
    """What one step of a flow keeps between messages.

    Subclasses are frozen dataclasses (change them with ``dataclasses.replace``); their
    field types, pydantic constraints included, are checked when saved data is read, and
    unknown keys are ignored. Bump ``VERSION`` when a change would make the previous
    reader misread the data (or when the flow renames its steps); override ``upgrade``
    to carry older data over. Data that cannot be read restarts its flow rather than
    guess (``Flow.restart``).
    """

    VERSION: ClassVar[int] = _FIRST

    def to_json(self) -> JsonDict:
        saved: JsonDict = _adapter(type(self)).dump_python(self, mode="json")
        return saved

    @classmethod
    def from_json(cls, raw: object, version: int) -> Self | None:
        """The data as saved by ``version`` of this type; ``None`` if it can't be read."""
        if version != cls.VERSION:
            return cls.upgrade(raw, version)
        try:
            found: Self = _adapter(cls).validate_python(raw)
        except ValidationError:
            return None
        return found

    @classmethod
    def upgrade(cls, raw: object, version: int) -> Self | None:
        """Data saved by another ``version``; by default none can be carried over."""
        return None


@dataclass(frozen=True, slots=True)
class NoData(FlowData):
    """A step that keeps nothing but its name."""


_ADAPTERS: dict[type[FlowData], TypeAdapter[Any]] = {}


def _adapter(kind: type[FlowData]) -> TypeAdapter[Any]:
    found = _ADAPTERS.get(kind)
    if found is None:  # once per type: building one takes milliseconds
        found = _ADAPTERS[kind] = TypeAdapter(kind)
    return found


class StateUnreadable(LookupError):
    """A flow asked for data its current step does not hold (a bug in that flow: the
    engine checks saved data reads as the step's type before the flow runs)."""


@dataclass(slots=True)
class FlowState:
    """Which flow and step a conversation is in, plus that step's data.

    ``nonce`` is the current prompt's token; buttons from any earlier prompt carry a
    different one and are treated as expired. The data is kept as saved and read into
    its model on first use (``read``); a new step serialises its model once (``enter``).
    """

    flow: str | None = None
    step: str | None = None
    nonce: str = ""
    # What the coach's newest message offered, for a bare "yes" or "no" that follows
    # it (see ``Turn.offer``); saved only while set.
    offer: str | None = None
    _saved: JsonDict = field(default_factory=dict)
    _version: int = _FIRST
    _data: FlowData | None = None

    @property
    def idle(self) -> bool:
        return self.flow is None

    def read(self, kind: type[D]) -> D | None:
        """The step's data as ``kind``, or ``None`` if it does not read as one."""
        if self._data is None:
            self._data = kind.from_json(self._saved, self._version)
        return self._data if isinstance(self._data, kind) else None

    def enter(self, flow: str, step: str, data: FlowData) -> None:
        self.flow, self.step = flow, step
        self._data, self._saved, self._version = data, data.to_json(), data.VERSION

    def clear(self) -> None:
        self.flow = self.step = None
        self._data, self._saved, self._version = None, {}, _FIRST

    def to_json(self) -> JsonDict:
        saved: JsonDict = {
            "v": STATE_VERSION,
            "flow": self.flow,
            "step": self.step,
            "nonce": self.nonce,
            "data": self._saved,
        }
        if self._version != _FIRST:
            saved["dv"] = self._version
        if self.offer is not None:
            saved["offer"] = self.offer
        return saved

    @classmethod
    def from_json(cls, raw: object) -> FlowState:
        """Read saved state; an envelope that is unreadable or of another version starts
        fresh. The data is only read when its flow asks for it."""
        if not isinstance(raw, dict) or raw.get("v") != STATE_VERSION:
            return cls()
        flow, step, nonce, data = (raw.get(k) for k in ("flow", "step", "nonce", "data"))
        version = raw.get("dv", _FIRST)
        offer = raw.get("offer")
        if not (
            isinstance(flow, str | None)
            and isinstance(step, str | None)
            and isinstance(nonce, str)
            and isinstance(data, dict)
            and type(version) is int
        ):
            return cls()
        return cls(
            flow=flow,
            step=step,
            nonce=nonce,
            offer=offer if isinstance(offer, str) else None,
            _saved=data,
            _version=version,
        )
