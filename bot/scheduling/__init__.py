"""Pre-run reminders: rules to fire times (zoneinfo), parsing, the dispatcher and its timer."""
