"""Discord adapter tests, against the Discord stand-in."""
