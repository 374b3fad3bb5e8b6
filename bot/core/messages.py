"""The core's whole vocabulary for what comes in and what goes out.

Adapters turn platform updates into :class:`Inbound` and render :class:`Reply`;
nothing else crosses the boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

MAX_PAYLOAD_BYTES = 64  # Telegram's callback_data limit; Discord's custom_id allows 100.


class Platform(StrEnum):
    TELEGRAM = "telegram"
    DISCORD = "discord"
    TERMINAL = "terminal"


@dataclass(frozen=True, slots=True)
class ConversationKey:
    """One user's conversation in one chat (a DM, a group or a channel)."""

    platform: str
    chat_id: str
    user_id: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.chat_id}:{self.user_id}"


@dataclass(frozen=True, slots=True)
class Command:
    """A slash command, name without the slash, lower case; args as typed."""

    name: str
    args: str = ""


@dataclass(frozen=True, slots=True)
class ChoiceMade:
    """A button press (or a typed number in the terminal) carrying a payload."""

    payload: str


@dataclass(frozen=True, slots=True)
class Text:
    """Free text typed by the user."""

    text: str


Event = Command | ChoiceMade | Text


@dataclass(frozen=True, slots=True)
class Inbound:
    key: ConversationKey
    event: Event
    is_private: bool = True
    # The platform's language tag for the user ("en-GB"), when it gives one: with the
    # runner's time zone it tells which emergency number to name.
    locale: str | None = None
    # The platform's id for this update, when it has one. The step records it in its own
    # transaction, so an update delivered twice (or again after a crash) is handled once.
    update_id: str | None = None
    # The replies can still go out later (a Telegram chat message can; a Discord
    # interaction's answer cannot): the step keeps them with its record of the update
    # until the adapter says they went out, so a crash after the commit loses none.
    keep_replies: bool = False


@dataclass(frozen=True, slots=True)
class Choice:
    label: str
    payload: str

    def __post_init__(self) -> None:
        if not self.label:
            raise ValueError("a choice needs a label")
        if not 1 <= len(self.payload.encode()) <= MAX_PAYLOAD_BYTES:
            raise ValueError(f"payload must be 1-{MAX_PAYLOAD_BYTES} bytes: {self.payload!r}")


@dataclass(frozen=True, slots=True)
class ImageRef:
    """An image shipped in content/ (path relative to the content directory)."""

    path: str
    alt: str


@dataclass(frozen=True, slots=True)
class Document:
    """A file sent to the user, such as their data export."""

    filename: str
    data: bytes
    mime_type: str = "application/json"


@dataclass(frozen=True, slots=True)
class Reply:
    """One message to the user.

    ``private`` asks for a reply only this user sees (Discord ephemeral); platforms
    without that send it as usual. Choices are ordered; adapters without buttons
    show them as numbered lines.
    """

    text: str
    choices: tuple[Choice, ...] = ()
    image: ImageRef | None = None
    document: Document | None = None
    private: bool = False


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the core answers to one inbound event.

    ``notice`` is a short acknowledgement for the button press itself (Telegram's
    callback answer, a Discord ephemeral note); ``accepted`` says whether the press
    was acted on, so adapters can mark the pressed message as used. ``erased`` says the
    step erased the user (/forget): an adapter that keeps files about them (the
    terminal's exports) deletes them before showing the replies.

    ``repeat`` says the update was handled before (its id is already recorded): the
    step was rolled back and there is nothing to show. ``failed`` says the step raised
    and was rolled back, so nothing of it was saved, not even the update's id; the
    replies are the apology.
    """

    replies: tuple[Reply, ...] = ()
    notice: str | None = None
    accepted: bool = True
    erased: bool = False
    repeat: bool = False
    failed: bool = False
