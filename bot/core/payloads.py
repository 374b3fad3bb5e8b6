"""Button payloads: short versioned tokens that say whose button it is and which prompt.

Format ``v2:<owner>:<scope>:<action>``:

- ``owner`` is a keyed tag of the platform user id (HMAC-SHA256 with the coach's button
  secret, 48 bits in 8 base64url characters), so a press by someone else (in a group) is
  recognised and answered politely, and nobody can make a tag for another user;
- ``scope`` is the conversation's prompt nonce, which changes with every step, so an old
  or replayed button can never move a conversation; ``-`` marks actions that are valid at
  any time (the main menu, a reminder's buttons), which their flow validates itself;
- ``action`` names what to do, such as ``wu.done`` or ``sore.5``.

The longest payload is 3 + 8 + 1 + 6 + 1 + 41 = 60 bytes, inside Telegram's 64.
Payloads of an earlier version (``v1``, with an unkeyed 16-bit owner) are read as
expired buttons, never acted on.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from bot.core.messages import MAX_PAYLOAD_BYTES

VERSION = "v2"
OLD_VERSIONS = ("v1",)
ANY_SCOPE = "-"
MIN_KEY_BYTES = 16
TAG_BYTES = 6  # 48 bits
_ACTION = re.compile(r"^[a-z][a-z0-9_.+-]{0,40}$")
_SCOPE = re.compile(r"^(-|[a-z0-9]{6})$")
_OWNER = re.compile(r"^[A-Za-z0-9_-]{8}$")
# The owner of a button anyone may press: no platform user id is empty.
_ANYONE = ""


@dataclass(frozen=True, slots=True)
class Payload:
    owner: str
    scope: str
    action: str

    @property
    def is_global(self) -> bool:
        return self.scope == ANY_SCOPE


class Buttons:
    """Makes and reads payloads with one secret key (the app loads it; the core never
    reads files or settings)."""

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        if len(key) < MIN_KEY_BYTES:
            raise ValueError(f"the button secret needs at least {MIN_KEY_BYTES} bytes")
        self._key = key

    def __repr__(self) -> str:
        return "Buttons(<secret>)"

    def owner_tag(self, user_id: str) -> str:
        digest = hmac.new(self._key, user_id.encode(), hashlib.sha256).digest()[:TAG_BYTES]
        return base64.urlsafe_b64encode(digest).decode()

    def owns(self, payload: Payload, user_id: str) -> bool:
        return hmac.compare_digest(payload.owner, self.owner_tag(user_id))

    def encode_public(self, action: str) -> str:
        """A button valid at any time, for anyone who can see it (its flow says which
        actions may be: ``Flow.public_prefixes``)."""
        return self.encode(_ANYONE, ANY_SCOPE, action)

    def is_public(self, payload: Payload) -> bool:
        return payload.is_global and self.owns(payload, _ANYONE)

    def encode(self, user_id: str, scope: str, action: str) -> str:
        if not _ACTION.match(action):
            raise ValueError(f"bad action {action!r}")
        if not _SCOPE.match(scope):
            raise ValueError(f"bad scope {scope!r}")
        token = f"{VERSION}:{self.owner_tag(user_id)}:{scope}:{action}"
        if len(token.encode()) > MAX_PAYLOAD_BYTES:
            raise ValueError(f"payload too long: {token!r}")
        return token

    @staticmethod
    def decode(token: str) -> Payload | None:
        """Parse a payload; anything malformed or from another version gives ``None``."""
        if len(token.encode("utf-8", "replace")) > MAX_PAYLOAD_BYTES:
            return None
        parts = token.split(":")
        if len(parts) != 4 or parts[0] != VERSION:
            return None
        _, owner, scope, action = parts
        if not (_OWNER.match(owner) and _SCOPE.match(scope) and _ACTION.match(action)):
            return None
        return Payload(owner=owner, scope=scope, action=action)


def is_old(token: str) -> bool:
    """A payload of an earlier version, from a button still showing in a chat."""
    return token.split(":", 1)[0] in OLD_VERSIONS and len(token) <= MAX_PAYLOAD_BYTES


@functools.cache
def process_buttons() -> Buttons:
    """Buttons with a key made for this process only: for tests and tools that build a
    coach without the app (their buttons end with the process)."""
    return Buttons(secrets.token_bytes(32))


def new_nonce() -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(6))
