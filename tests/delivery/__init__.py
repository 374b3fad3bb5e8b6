"""Tests for outbound delivery."""
