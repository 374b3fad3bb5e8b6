"""The button secret: the key that signs whose button is whose (``bot.core.payloads``).

``BUTTON_SECRET`` when set; otherwise 32 random bytes generated into
``<DATA_DIR>/button-secret`` (mode 0600) on first start and read back on every start
after, so buttons sent before a restart keep working.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from bot.config import Settings
from bot.core.redaction import REDACTOR

log = logging.getLogger(__name__)

FILE_NAME = "button-secret"
KEY_BYTES = 32


def load_button_secret(settings: Settings) -> bytes:
    if settings.button_secret is not None:
        return settings.button_secret.get_secret_value().encode()
    key = _from_file(settings.data_dir / FILE_NAME)
    REDACTOR.add(key.hex())
    return key


def _from_file(path: Path) -> bytes:
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        pass
    else:
        if len(key) >= KEY_BYTES:
            return key
        raise ValueError(f"{path} holds a key shorter than {KEY_BYTES} bytes")
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(KEY_BYTES)
    # Written whole under a name of its own, then linked into place: a second process
    # starting at the same moment sees either no key or the whole key, never a part of
    # it, and link() fails if another key got there first, which is then the one kept.
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(key)
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(draft, path)
        except FileExistsError:
            return _from_file(path)
    finally:
        draft.unlink(missing_ok=True)
    log.info("button_secret_created path=%s", path)
    return key
