"""Button payloads: short versioned tokens that say whose button it is and which prompt.

Format ``v1:<owner>:<scope>:<action>``:

- ``owner`` is a 4-hex-digit hash of the platform user id, so a press by someone else
  (in a group) is recognised and answered politely;
- ``scope`` is the conversation's prompt nonce, which changes with every step, so an old
  or replayed button can never move a conversation; ``-`` marks actions that are valid at
  any time (the main menu, a reminder's buttons), which their flow validates itself;
- ``action`` names what to do, such as ``wu.done`` or ``sore.5``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from bot.core.messages import MAX_PAYLOAD_BYTES

VERSION = "v1"
ANY_SCOPE = "-"
_ACTION = re.compile(r"^[a-z][a-z0-9_.+-]{0,40}$")
_SCOPE = re.compile(r"^(-|[a-z0-9]{6})$")
_OWNER = re.compile(r"^[0-9a-f]{4}$")


@dataclass(frozen=True, slots=True)
class Payload:
    owner: str
    scope: str
    action: str

    @property
    def is_global(self) -> bool:
        return self.scope == ANY_SCOPE


def owner_tag(user_id: str) -> str:
    return hashlib.blake2b(user_id.encode(), digest_size=2).hexdigest()


def new_nonce() -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(6))


def encode(user_id: str, scope: str, action: str) -> str:
    if not _ACTION.match(action):
        raise ValueError(f"bad action {action!r}")
    if not _SCOPE.match(scope):
        raise ValueError(f"bad scope {scope!r}")
    token = f"{VERSION}:{owner_tag(user_id)}:{scope}:{action}"
    if len(token.encode()) > MAX_PAYLOAD_BYTES:
        raise ValueError(f"payload too long: {token!r}")
    return token


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
