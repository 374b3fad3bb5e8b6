"""Measurement scripts (run them as scripts; they are not tests)."""
