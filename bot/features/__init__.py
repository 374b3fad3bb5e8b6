"""What the coach does, one package per feature: its flows, rules, store, models and words.

A feature imports the core, the storage infrastructure and itself; it reaches another
feature only through a port in ``bot.core.ports``, wired in ``bot.app``.
"""
