"""/start, the safety note, /help and the main menu."""
