"""/progress: warm-ups, streak, soreness and recurring areas."""
