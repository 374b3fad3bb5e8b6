"""Persistence: SQLAlchemy models, database setup and repositories."""
