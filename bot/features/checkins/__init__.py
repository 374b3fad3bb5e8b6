"""After-run check-ins: how the hips felt on a run, and what the next warm-up makes of it."""
