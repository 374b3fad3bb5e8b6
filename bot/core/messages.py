"""The core's whole vocabulary for what comes in and what goes out.

Adapters turn platform updates into :class:`Inbound` and render :class:`Reply`;
nothing else crosses the boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.core.drawings import Drawing

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
class Membership:
    """What the platform says about the sender in a group or server, for commands that
    only its admins may use (``CommandDef.admin``).

    ``admin``: a Telegram group's creator or administrator (``getChatMember``), a Discord
    member with the Manage Server permission. ``roles``: the member's Discord role ids.
    ``space``: what the platform can remove the coach from, the Telegram group itself or
    the Discord server.
    """

    admin: bool
    roles: tuple[str, ...] = ()
    space: str | None = None


@dataclass(frozen=True, slots=True)
class Inbound:
    key: ConversationKey
    event: Event
    is_private: bool = True
    # The platform's language tag for the user ("en-GB"), when it gives one: with the
    # runner's time zone it tells which emergency number to name.
    locale: str | None = None
    # In a group: the platform can show a reply to this user alone (Discord's ephemeral
    # messages). Where it can't (a Telegram group), health questions move to a private chat.
    can_whisper: bool = False
    # The platform's id for this update, when it has one. The step records it in its own
    # transaction, so an update delivered twice (or again after a crash) is handled once.
    update_id: str | None = None
    # The replies can still go out later (a Telegram chat message can; a Discord
    # interaction's answer cannot): the step keeps them with its record of the update
    # until the adapter says they went out, so a crash after the commit loses none.
    keep_replies: bool = False
    # In a group: the sender's standing there, when the platform told it (see Membership).
    member: Membership | None = None


class Tone(StrEnum):
    """What pressing a button means: platforms that colour buttons (Discord) show it, and
    where buttons are pressed by typing a number (the terminal), a number alone never
    presses a STOP or DANGER one, since a stray digit would stop a warm-up."""

    PLAIN = "plain"
    GO = "go"  # moves on: Done, Save, Looks right
    STOP = "stop"  # ends what is running: Stop
    DANGER = "danger"  # erases or deletes something for good


@dataclass(frozen=True, slots=True)
class Choice:
    """A button; its :class:`Tone` says what pressing it means."""

    label: str
    payload: str
    tone: Tone = Tone.PLAIN

    @property
    def destructive(self) -> bool:
        """It ends or erases something (Stop, Delete, Erase)."""
        return self.tone in (Tone.STOP, Tone.DANGER)

    def __post_init__(self) -> None:
        if not self.label:
            raise ValueError("a choice needs a label")
        if not 1 <= len(self.payload.encode()) <= MAX_PAYLOAD_BYTES:
            raise ValueError(f"payload must be 1-{MAX_PAYLOAD_BYTES} bytes: {self.payload!r}")


class ImageKind(StrEnum):
    PHOTO = "photo"
    ANIMATION = "animation"


@dataclass(frozen=True, slots=True)
class ImageRef:
    """An image in a reply, with its alt text (from content) for those who can't see it.

    Without ``drawing``, ``path`` is a file shipped in content/ (relative to the content
    directory). With one, the coach draws the picture itself (``bot.media``) and ``path``
    is the file name it goes by. Adapters get the bytes of either through
    :class:`~bot.core.ports.Pictures`; when they can't, the reply's text goes alone.

    ``caption`` is the part of the reply's text to show with the picture on a platform
    that puts a short caption under media (Telegram): it must open the text, and the
    rest of the text follows below the picture. ``None``: all of it, if it fits.
    """

    path: str
    alt: str
    kind: ImageKind = ImageKind.PHOTO
    caption: str | None = None
    drawing: Drawing | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """A file sent to the user, such as their data export."""

    filename: str
    data: bytes
    mime_type: str = "application/json"


@dataclass(frozen=True, slots=True)
class Reply:
    """One message to the user.

    ``private`` asks for a reply only this user sees (Discord ephemeral); a platform
    without that, in a group, sends it to the user's private chat instead. Choices are
    ordered; adapters without buttons show them as numbered lines. ``asks_number`` marks
    a question whose answer is a number ("from 0 to 10"): a number typed there is that
    answer, never the button shown at that position, so such adapters key its choices
    with letters instead. ``private_start`` names a command to carry on with in a
    private chat with the coach: the platform shows a button that opens that chat and
    runs it there (a Telegram deep link). ``count`` marks the message that opens a
    paced count (:mod:`bot.core.counts`): the adapter that sends it tells the count's
    :class:`~bot.core.counts.CountScreens` how to edit it.

    ``bold`` names parts of the text to show in bold (headings, drill and area names):
    each is found in the text and emphasised wherever it occurs. The text itself stays
    plain, so platforms without emphasis show it as it is and nothing in it is ever
    read as markup. ``in_place`` says the reply is the question just answered, asked
    again with its buttons changed (a tap in a multi-select): a platform that can edit
    the pressed message shows it there instead of sending a new one.
    """

    text: str
    choices: tuple[Choice, ...] = ()
    image: ImageRef | None = None
    document: Document | None = None
    private: bool = False
    asks_number: bool = False
    private_start: str | None = None
    # A private reply in a group leaves no "sent privately" line there (a button press
    # answered in private: the group sees nothing per member).
    quiet: bool = False
    count: str | None = None
    bold: tuple[str, ...] = ()
    in_place: bool = False

    def __post_init__(self) -> None:
        caption = self.image.caption if self.image is not None else None
        if caption is not None and not self.text.startswith(caption):
            raise ValueError("an image's caption must open the reply's text")
        if any(not part or part not in self.text for part in self.bold):
            raise ValueError("every bold part must be a part of the text")

    def below_caption(self) -> str:
        """The text that follows the picture when its ``caption`` is shown with it."""
        caption = self.image.caption if self.image is not None else None
        return self.text[len(caption) :].strip() if caption else ""


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
