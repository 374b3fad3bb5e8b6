"""The fault suite's fixtures: the throw-away PostgreSQL database of the storage tests."""

from __future__ import annotations

from tests.storage.conftest import pg_url

__all__ = ["pg_url"]
