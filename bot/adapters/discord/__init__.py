"""The coach on Discord (discord.py).

Nothing is imported here: the content loader reads :mod:`.texts` without loading
discord.py, and ``bot.app`` imports :mod:`.adapter` only when a token is set.
"""
