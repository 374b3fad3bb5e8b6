"""Discord objects as the stand-in keeps them, and their JSON as the gateway and REST send it."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000
EPHEMERAL = 1 << 6
LOADING = 1 << 7
ALL_PERMISSIONS = str((1 << 50) - 1)
# Permission bits, as documented (discord.com/developers/docs/topics/permissions).
MANAGE_GUILD = 1 << 5
# What @everyone has in a new server's text channel: view, send, read history, embed,
# attach, add reactions, use application commands; nothing that manages the server.
MEMBER_PERMISSIONS = str(
    (1 << 10) | (1 << 11) | (1 << 16) | (1 << 14) | (1 << 15) | (1 << 6) | (1 << 31)
)

GUILD_TEXT = 0
DM = 1


class Snowflakes:
    """Time-based ids, unique and increasing, like Discord's."""

    def __init__(self) -> None:
        self._counter = itertools.count()

    def next(self) -> int:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (ms << 22) | (next(self._counter) & 0x3FFFFF)


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


@dataclass(frozen=True, slots=True)
class DcUser:
    id: int
    name: str
    bot: bool = False
    # The language of the user's Discord client, sent with every interaction they make.
    locale: str = "en-US"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.name,
            "global_name": self.name,
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }


@dataclass(frozen=True, slots=True)
class DcChannel:
    id: int
    type: int
    guild_id: int | None = None
    recipient: DcUser | None = None
    name: str = ""

    @property
    def is_dm(self) -> bool:
        return self.type == DM

    def to_json(self) -> dict[str, Any]:
        if self.is_dm:
            assert self.recipient is not None
            return {
                "id": str(self.id),
                "type": DM,
                "recipients": [self.recipient.to_json()],
                "last_message_id": None,
                "flags": 0,
            }
        return {
            "id": str(self.id),
            "type": GUILD_TEXT,
            "guild_id": str(self.guild_id),
            "name": self.name,
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "flags": 0,
        }


@dataclass(slots=True)
class Attachment:
    id: int
    filename: str
    data: bytes
    content_type: str | None = None
    description: str | None = None

    def to_json(self, base_url: str) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "filename": self.filename,
            "size": len(self.data),
            "url": f"{base_url}/attachments/{self.id}/{self.filename}",
            "proxy_url": f"{base_url}/attachments/{self.id}/{self.filename}",
        }
        if self.content_type:
            data["content_type"] = self.content_type
        if self.description:
            data["description"] = self.description
        return data


@dataclass(slots=True)
class StoredMessage:
    """A message in a channel, as users see it."""

    id: int
    channel_id: int
    author: DcUser
    content: str = ""
    components: list[dict[str, Any]] = field(default_factory=list)
    flags: int = 0
    attachments: list[Attachment] = field(default_factory=list)
    embeds: list[dict[str, Any]] = field(default_factory=list)
    interaction_id: int | None = None
    # An ephemeral message is seen by one user only.
    visible_to: int | None = None
    edits: int = 0
    deleted: bool = False
    created_at: str = field(default_factory=now_iso)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        return bool(self.flags & LOADING)

    def buttons(self) -> list[dict[str, Any]]:
        return [child for row in self.components for child in row.get("components", [])]

    def labels(self) -> list[str]:
        return [str(button.get("label", "")) for button in self.buttons()]

    def custom_id(self, label: str) -> str:
        """The custom_id of the button with this label (exactly one must match)."""
        found = [b["custom_id"] for b in self.buttons() if b.get("label") == label]
        if len(found) != 1:
            raise AssertionError(f"no single button {label!r} on message; labels: {self.labels()}")
        return str(found[0])

    def to_json(self, base_url: str, guild_id: int | None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "type": 0,
            "content": self.content,
            "author": self.author.to_json(),
            "timestamp": self.created_at,
            "edited_timestamp": now_iso() if self.edits else None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [a.to_json(base_url) for a in self.attachments],
            "embeds": self.embeds,
            "pinned": False,
            "components": self.components,
            "flags": self.flags,
        }
        if guild_id is not None:
            data["guild_id"] = str(guild_id)
        return data


def guild_json(
    guild_id: int, channel: DcChannel, bot: DcUser, members: list[DcUser]
) -> dict[str, Any]:
    """A GUILD_CREATE payload with one text channel."""
    return {
        "id": str(guild_id),
        "name": "Running Club",
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(members[0].id if members else bot.id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": [
            {
                "id": str(guild_id),
                "name": "@everyone",
                "permissions": ALL_PERMISSIONS,
                "position": 0,
                "color": 0,
                "hoist": False,
                "managed": False,
                "mentionable": False,
                "flags": 0,
            }
        ],
        "emojis": [],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "vanity_url_code": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "nsfw_level": 0,
        "max_members": 500000,
        "unavailable": False,
        "large": False,
        "member_count": len(members) + 1,
        "joined_at": now_iso(),
        "channels": [channel.to_json()],
        "threads": [],
        "members": [member_json(user) for user in [bot, *members]],
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def member_json(user: DcUser, roles: tuple[int, ...] = ()) -> dict[str, Any]:
    return {
        "user": user.to_json(),
        "roles": [str(role) for role in roles],
        "joined_at": now_iso(),
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "nick": None,
        "avatar": None,
        "premium_since": None,
    }


def application_json(app_id: int, owner: DcUser) -> dict[str, Any]:
    return {
        "id": str(app_id),
        "name": "Hip Coach",
        "icon": None,
        "description": "",
        "summary": "",
        "type": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "owner": owner.to_json(),
        "team": None,
        "flags": 0,
        "tags": [],
        "interactions_endpoint_url": None,
        "redirect_uris": [],
        "approximate_guild_count": 1,
    }
