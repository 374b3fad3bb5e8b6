"""What can be wrong with a database, as exceptions whose ``str()`` is one line for people."""

from __future__ import annotations


class DatabaseProblem(Exception):
    """The database can't be used as it is; ``str()`` says what and what to do."""


class DatabaseUnreachable(DatabaseProblem):
    """The database server did not answer; it may later."""
