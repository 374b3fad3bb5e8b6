"""Pictures kept on disk under DATA_DIR/media, each named by the hash of what it was
drawn from: a changed pose or word gets a new name, so a stale file is never sent.

Writes are atomic (a temporary file in the same folder, then a rename), so a reader,
or another worker, sees the whole file or none. A file that is missing or does not
read back as a sound image is drawn again.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import tempfile
from pathlib import Path

from PIL import Image

log = logging.getLogger(__name__)


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
        if not sound(data):
            log.warning("media_cache_broken name=%s bytes=%d; drawing it again", name, len(data))
            return None
        return data

    def write(self, name: str, data: bytes, *, replaces: str | None = None) -> Path:
        """Store ``data`` as ``name``, whole or not at all. Older files whose names start
        with ``replaces`` (the same drawing, from older content) are removed."""
        self.directory.mkdir(parents=True, exist_ok=True)
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
        if replaces:
            for old in self.directory.glob(f"{replaces}*"):
                if old.name != name:
                    with contextlib.suppress(OSError):
                        old.unlink()
        return self.path(name)
