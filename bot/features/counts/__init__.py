"""Paced counts: saved with the step that starts them, timed on the scheduler, shown by
editing one message in place (see :mod:`bot.core.counts`)."""
