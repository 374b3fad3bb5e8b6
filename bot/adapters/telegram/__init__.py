"""The coach on Telegram (python-telegram-bot).

Nothing is imported here: the content loader reads :mod:`.texts` without loading
python-telegram-bot, and ``bot.app`` imports :mod:`.adapter` only when a token is set.
"""
