"""Pictures kept on disk under DATA_DIR/media, each named by the hash of what it was
drawn from: a changed pose or word gets a new name, so a stale file is never sent.

Writes are atomic (a temporary file in the same folder, then a rename), so a reader,
or another worker, sees the whole file or none. A file that is missing or does not
read back as a sound image is drawn again.

Beside each file, ``<name>.sha256`` holds the digest of its bytes: a file that matches
it is whole (about a millisecond to check), where decoding every frame of an animation
to be sure takes a few hundred. Without a matching digest (an older cache, a damaged
file) the file is decoded in full, and kept only if it is sound.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import tempfile
from pathlib import Path

from PIL import Image

log = logging.getLogger(__name__)

DIGEST_SUFFIX = ".sha256"


def sound(data: bytes) -> bool:
    """Whether ``data`` is a whole image Pillow reads to the last frame."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()  # the structure (PNG checksums)
        with Image.open(io.BytesIO(data)) as image:
            for frame in range(getattr(image, "n_frames", 1)):
                image.seek(frame)
                image.load()  # the pixels: a cut-off GIF fails here
    except Exception:  # Pillow raises many kinds for a broken file
        return False
    return True


class DiskCache:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, name: str) -> Path:
        return self.directory / name

    def read(self, name: str) -> bytes | None:
        """The file's bytes if it is there and sound; ``None`` means draw it again."""
        path = self.path(name)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("media_cache_unreadable name=%s error=%s", name, exc.strerror)
            return None
        digest = hashlib.sha256(data).hexdigest()
        if self._digest(name) == digest:
            return data
        if not sound(data):
            log.warning("media_cache_broken name=%s bytes=%d; drawing it again", name, len(data))
            return None
        with contextlib.suppress(OSError):
            self._put(self._digest_name(name), digest.encode())
        return data

    def _digest_name(self, name: str) -> str:
        return f"{name}{DIGEST_SUFFIX}"

    def _digest(self, name: str) -> str | None:
        try:
            return self.path(self._digest_name(name)).read_text("ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None

    def write(self, name: str, data: bytes, *, replaces: str | None = None) -> Path:
        """Store ``data`` as ``name``, whole or not at all. Older files whose names start
        with ``replaces`` (the same drawing, from older content) are removed."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self._put(name, data)
        # After the file: a digest without its file is never read as a match.
        with contextlib.suppress(OSError):
            self._put(self._digest_name(name), hashlib.sha256(data).hexdigest().encode())
        if replaces:
            for old in self.directory.glob(f"{replaces}*"):
                if old.name not in (name, self._digest_name(name)):
                    with contextlib.suppress(OSError):
                        old.unlink()
        return self.path(name)

    def _put(self, name: str, data: bytes) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=Path(name).suffix)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path(name))
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
