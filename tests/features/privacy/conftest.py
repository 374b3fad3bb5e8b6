"""The throw-away PostgreSQL database of the storage tests, for the erasure test."""

from __future__ import annotations

from tests.storage.conftest import pg_url

__all__ = ["pg_url"]
