"""Telegram updates as the core's :class:`Inbound` events.

Commands may carry the bot's name (``/warmup@HipCoachBot 5``), as Telegram clients add
it in groups; a command addressed to another bot is not ours. In a group, plain text
is only for the coach when it replies to one of the coach's messages or mentions it,
so club chatter never gets answers.
"""

from __future__ import annotations

import re

from telegram import CallbackQuery, Chat, Message, Update

from bot.adapters.base import Refused
from bot.core.messages import ChoiceMade, Command, ConversationKey, Event, Inbound, Platform, Text

PLATFORM = Platform.TELEGRAM.value
_COMMAND = re.compile(r"/(\S+)\s*(.*)", re.DOTALL)


def chat_key(chat: Chat, user_id: int) -> ConversationKey:
    return ConversationKey(PLATFORM, str(chat.id), str(user_id))


def is_group(chat_id: int | str) -> bool:
    """Telegram gives groups, supergroups and channels negative ids; users positive ones."""
    return int(chat_id) < 0


def to_inbound(update: Update, bot_username: str) -> Inbound | None:
    """The core event for ``update``, or ``None`` when it is not for the coach.

    It carries the update's id, for the core to record, and asks the core to keep the
    replies until they are sent: a Telegram chat message can still go out after a
    restart."""
    if update.callback_query is not None:
        return _from_press(update.callback_query, str(update.update_id))
    message = update.message
    if message is None or message.from_user is None:
        return None  # edits, channel posts and service updates are not conversation
    if message.chat.type not in (Chat.PRIVATE, Chat.GROUP, Chat.SUPERGROUP):
        return None
    event = _from_message(message, bot_username)
    if event is None:
        return None
    private = message.chat.type == Chat.PRIVATE
    return Inbound(
        chat_key(message.chat, message.from_user.id),
        event,
        is_private=private,
        locale=message.from_user.language_code,
        update_id=str(update.update_id),
        keep_replies=True,
    )


def _from_press(query: CallbackQuery, update_id: str) -> Inbound | None:
    message = query.message
    if message is None or query.data is None:
        return None  # a press on an inline-mode message or a game button: not ours
    chat = message.chat
    return Inbound(
        chat_key(chat, query.from_user.id),
        ChoiceMade(query.data),
        is_private=chat.type == Chat.PRIVATE,
        locale=query.from_user.language_code,
        update_id=update_id,
        keep_replies=True,
    )


def _from_message(message: Message, bot_username: str) -> Event | None:
    text = message.text if message.text is not None else message.caption
    if text is None:
        return None
    private = message.chat.type == Chat.PRIVATE
    if text.startswith("/") and len(text) > 1 and not text[1].isspace():
        return parse_command(text, bot_username)
    mention = f"@{bot_username}".casefold()
    if private:
        return Text(text)
    if mention in text.casefold():
        start = text.casefold().index(mention)
        return Text((text[:start] + text[start + len(mention) :]).strip())
    replied = message.reply_to_message
    author = replied.from_user if replied is not None else None
    if author is not None and (author.username or "").casefold() == bot_username.casefold():
        return Text(text)
    return None


def parse_command(text: str, bot_username: str) -> Command | None:
    """``/name[@bot] args`` -> Command; ``None`` when addressed to another bot."""
    match = _COMMAND.match(text)
    if match is None:
        return None
    head, args = match.group(1), match.group(2).strip()
    name, _, addressee = head.partition("@")
    if addressee and addressee.casefold() != bot_username.casefold():
        return None
    return Command(name=name.lower(), args=args)


def to_removal(update: Update) -> Refused | None:
    """A ``my_chat_member`` update that took the coach out of a chat: the coach was
    blocked (a private chat; the user is unreachable) or removed from a group."""
    change = update.my_chat_member
    if change is None:
        return None
    status = change.new_chat_member.status
    if status not in ("kicked", "left"):
        return None
    chat = change.chat
    private = chat.type == Chat.PRIVATE
    # A private chat's id is its user's; in a group only the chat matters, and the key
    # names whoever removed the coach.
    user_id = chat.id if private else change.from_user.id
    return Refused(chat_key(chat, user_id), private=private, reason=status)
