"""Telegram Bot API request rules, as documented, checked by the stand-in server.

Two layers: hand-written rules for the limits that live only in the prose of the
documentation (text lengths, callback data bytes, button counts, command names), and,
when the machine-readable spec is present beside the repository, method names,
parameter names, required fields and value types checked against it.
"""

from __future__ import annotations

import html
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

SPEC_PATH = (
    Path(__file__).resolve().parents[2].parent / "shared" / "specs" / "telegram-bot-api.json"
)

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_ANSWER = 200
MAX_CALLBACK_DATA_BYTES = 64
MAX_BUTTONS = 100
MAX_BUTTONS_PER_ROW = 8
MAX_COMMANDS = 100
MAX_DESCRIPTION = 512
MAX_SHORT_DESCRIPTION = 120
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_PHOTO_BYTES = 10 * 1024 * 1024
# sendPhoto: "width and height must not exceed 10000 in total", "ratio must be at most 20".
MAX_PHOTO_SIDES = 10_000
MAX_PHOTO_RATIO = 20
COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
WEBHOOK_PORTS = {443, 80, 88, 8443}
PARSE_MODES = {"HTML", "MarkdownV2", "Markdown"}
ALLOWED_UPDATE_KINDS = {
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "message_reaction",
    "message_reaction_count",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
}
BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)

# Required parameters of every method the stand-in serves (used with or without the spec).
REQUIRED: dict[str, tuple[str, ...]] = {
    "getMe": (),
    "getChatMember": ("chat_id", "user_id"),
    "logOut": (),
    "close": (),
    "getUpdates": (),
    "getWebhookInfo": (),
    "deleteWebhook": (),
    "setWebhook": ("url",),
    "setMyCommands": ("commands",),
    "getMyCommands": (),
    "deleteMyCommands": (),
    "setMyDescription": (),
    "getMyDescription": (),
    "setMyShortDescription": (),
    "getMyShortDescription": (),
    "sendMessage": ("chat_id", "text"),
    "sendPhoto": ("chat_id", "photo"),
    "sendAnimation": ("chat_id", "animation"),
    "sendDocument": ("chat_id", "document"),
    "sendChatAction": ("chat_id", "action"),
    "editMessageText": ("text",),
    "editMessageReplyMarkup": (),
    "deleteMessage": ("chat_id", "message_id"),
    "answerCallbackQuery": ("callback_query_id",),
}


@dataclass(frozen=True, slots=True)
class Upload:
    """A file part of a multipart request."""

    field: str
    filename: str
    content_type: str
    data: bytes


class Rejected(Exception):
    """The request breaks a documented rule; ``description`` reads like Telegram's."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


def utf16_length(text: str) -> int:
    """Telegram measures text in UTF-16 code units (entity offsets do too)."""
    return len(text.encode("utf-16-le")) // 2


# "Formatting options": the tags Telegram's HTML style supports, and the entity each makes.
HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
# "The API currently supports only the following named HTML entities: &lt;, &gt;, &amp;
# and &quot;", and every numerical one.
_HTML_ENTITY = re.compile(r"&(lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")
_HTML_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)(\s[^<>]*)?>")


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's HTML parse mode: the text shown and its entities (offsets in UTF-16
    units). "All <, > and & symbols that are not a part of a tag or an HTML entity must
    be replaced with the corresponding HTML entities"; tags must be supported and nest."""
    shown: list[str] = []
    entities: list[dict[str, Any]] = []
    open_tags: list[tuple[str, int]] = []
    units = 0
    at = 0
    while at < len(text):
        char = text[at]
        if char == "<":
            tag = _HTML_TAG.match(text, at)
            if tag is None:
                raise Rejected(f"Bad Request: can't parse entities: unexpected < at {at}")
            closing, name = tag.group(1) == "/", tag.group(2).lower()
            if name not in HTML_TAGS:
                raise Rejected(f"Bad Request: can't parse entities: unsupported tag {name!r}")
            if not closing:
                open_tags.append((name, units))
            elif not open_tags or open_tags[-1][0] != name:
                raise Rejected(f"Bad Request: can't parse entities: unmatched end tag {name!r}")
            else:
                _, start = open_tags.pop()
                if units > start:
                    entities.append(
                        {"type": HTML_TAGS[name], "offset": start, "length": units - start}
                    )
            at = tag.end()
            continue
        if char == ">":
            raise Rejected(f"Bad Request: can't parse entities: unexpected > at {at}")
        if char == "&":
            entity = _HTML_ENTITY.match(text, at)
            if entity is None:
                raise Rejected(f"Bad Request: can't parse entities: bad entity at {at}")
            char = html.unescape(entity.group(0))
            at = entity.end()
        else:
            at += 1
        shown.append(char)
        units += utf16_length(char)
    if open_tags:
        raise Rejected(f"Bad Request: can't parse entities: unclosed tag {open_tags[-1][0]!r}")
    return "".join(shown), sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def visible_text(text: str, parse_mode: str | None) -> str:
    """The text a user sees once formatting markup is parsed away; HTML that Telegram
    could not parse is :class:`Rejected`."""
    if parse_mode == "HTML":
        return parse_html(text)[0]
    if parse_mode in ("MarkdownV2", "Markdown"):
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
        text = re.sub(r"(?<!\\)[*_~|`]", "", text)
        return re.sub(r"\\(.)", r"\1", text)
    return text


def parse_json(params: dict[str, str], name: str) -> Any:
    try:
        return json.loads(params[name])
    except (json.JSONDecodeError, TypeError):
        raise Rejected(f"Bad Request: can't parse {name} JSON object") from None


def parse_int(params: dict[str, str], name: str) -> int:
    try:
        return int(params[name])
    except ValueError:
        raise Rejected(f"Bad Request: invalid {name} specified") from None


def parse_bool(value: str) -> bool:
    return value.lower() in ("true", "1")


def check_request(method: str, params: dict[str, str], uploads: dict[str, Upload]) -> None:
    """Raise :class:`Rejected` when the request breaks a documented rule."""
    for name in REQUIRED.get(method, ()):
        if name not in params and name not in uploads:
            raise Rejected(f"Bad Request: parameter {name} is required")
    if "chat_id" in params:
        _check_chat_id(params["chat_id"])
    if "parse_mode" in params and params["parse_mode"] not in PARSE_MODES:
        raise Rejected(f"Bad Request: unsupported parse_mode {params['parse_mode']}")
    checker = _METHOD_CHECKS.get(method)
    if checker is not None:
        checker(params, uploads)
    if "reply_markup" in params:
        check_reply_markup(parse_json(params, "reply_markup"))


def _check_chat_id(value: str) -> None:
    if re.fullmatch(r"-?\d+", value) or re.fullmatch(r"@[A-Za-z0-9_]{4,32}", value):
        return
    raise Rejected("Bad Request: chat not found")


def _check_text(text: str, parse_mode: str | None) -> None:
    shown = visible_text(text, parse_mode)
    if not shown.strip():
        raise Rejected("Bad Request: message text is empty")
    if utf16_length(shown) > MAX_TEXT:
        raise Rejected("Bad Request: message is too long")


def _check_caption(params: dict[str, str]) -> None:
    if "caption" in params:
        shown = visible_text(params["caption"], params.get("parse_mode"))
        if utf16_length(shown) > MAX_CAPTION:
            raise Rejected("Bad Request: message caption is too long")


def _check_send_message(params: dict[str, str], uploads: dict[str, Upload]) -> None:
    _check_text(params["text"], params.get("parse_mode"))


def _check_edit_target(params: dict[str, str]) -> None:
    if "inline_message_id" in params:
        return
    if "chat_id" not in params or "message_id" not in params:
        raise Rejected("Bad Request: message identifier is not specified")
    parse_int(params, "message_id")


def _check_edit_text(params: dict[str, str], uploads: dict[str, Upload]) -> None:
    _check_edit_target(params)
    _check_text(params["text"], params.get("parse_mode"))


def _check_edit_markup(params: dict[str, str], uploads: dict[str, Upload]) -> None:
    _check_edit_target(params)


def _media_checker(field: str, max_bytes: int) -> Any:
    def check(params: dict[str, str], uploads: dict[str, Upload]) -> None:
        _check_caption(params)
        upload = uploads.get(field)
        if upload is None:
            value = params.get(field, "")
            if value.startswith("attach://"):
                if value.removeprefix("attach://") not in uploads:
                    raise Rejected(f"Bad Request: file {value} not found in the request")
                upload = uploads[value.removeprefix("attach://")]
            elif not value:
                raise Rejected(f"Bad Request: there is no {field} in the request")
        if upload is not None:
            if not upload.data:
                raise Rejected("Bad Request: file must be non-empty")
            if len(upload.data) > max_bytes:
                raise Rejected("Request Entity Too Large")
            _check_file_type(field, upload.data)

    return check


def _check_file_type(field: str, data: bytes) -> None:
    """sendAnimation takes "GIF or H.264/MPEG-4 AVC video without sound"; sendPhoto an
    image within the documented size and shape."""
    if field == "animation" and not (data[:6] in (b"GIF87a", b"GIF89a") or data[4:8] == b"ftyp"):
        raise Rejected("Bad Request: wrong type of the animation: GIF or MP4 expected")
    if field == "photo":
        try:
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
        except Exception:
            raise Rejected("Bad Request: IMAGE_PROCESS_FAILED") from None
        if width + height > MAX_PHOTO_SIDES or max(width, height) > MAX_PHOTO_RATIO * min(
            width, height
        ):
            raise Rejected("Bad Request: PHOTO_INVALID_DIMENSIONS")


def _check_callback_answer(params: dict[str, str], uploads: dict[str, Upload]) -> None:
    if utf16_length(params.get("text", "")) > MAX_CALLBACK_ANSWER:
        raise Rejected("Bad Request: MESSAGE_TOO_LONG")


def _check_commands(params: dict[str, str], uploads: dict[str, Upload]) -> None:
    commands = parse_json(params, "commands")
    if not isinstance(commands, list):
        raise Rejected("Bad Request: can't parse commands JSON object")
    if len(commands) > MAX_COMMANDS:
        raise Rejected("Bad Request: too many commands")
    names: set[str] = set()
    for item in commands:
        if not isinstance(item, dict):
            raise Rejected("Bad Request: BotCommand must be an object")
        command, description = item.get("command"), item.get("description")
        if not isinstance(command, str) or not COMMAND_NAME.fullmatch(command):
            raise Rejected("Bad Request: BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise Rejected("Bad Request: command description must be 1-256 characters")
        if command in names:
            raise Rejected("Bad Request: command names must be unique")
        names.add(command)


def _check_description(params: dict[str, str], uploads: dict[str, Upload]) -> None:
    if len(params.get("description", "")) > MAX_DESCRIPTION:
        raise Rejected("Bad Request: description is too long")


def _check_short_description(params: dict[str, str], uploads: dict[str, Upload]) -> None:
    if len(params.get("short_description", "")) > MAX_SHORT_DESCRIPTION:
        raise Rejected("Bad Request: short description is too long")


def _check_get_updates(params: dict[str, str], uploads: dict[str, Upload]) -> None:
    if "limit" in params and not 1 <= parse_int(params, "limit") <= 100:
        raise Rejected("Bad Request: limit must be 1-100")
    if "timeout" in params and parse_int(params, "timeout") < 0:
        raise Rejected("Bad Request: timeout must be non-negative")
    if "offset" in params:
        parse_int(params, "offset")
    if "allowed_updates" in params:
        _check_allowed_updates(parse_json(params, "allowed_updates"))


def _check_allowed_updates(kinds: Any) -> None:
    if not isinstance(kinds, list) or any(k not in ALLOWED_UPDATE_KINDS for k in kinds):
        raise Rejected("Bad Request: unknown update type in allowed_updates")


def _check_set_webhook(params: dict[str, str], uploads: dict[str, Upload]) -> None:
    url = params["url"]
    match = re.fullmatch(r"(https?)://([^/:]+)(?::(\d+))?(/.*)?", url)
    if url and match is None:
        raise Rejected("Bad Request: bad webhook: invalid URL")
    if match is not None:
        scheme, host, port = match.group(1), match.group(2), match.group(3)
        # The stand-in's one concession: it delivers to a plain-HTTP listener on loopback.
        local = host in ("127.0.0.1", "localhost")
        if scheme != "https" and not local:
            raise Rejected("Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        if port is not None and not local and int(port) not in WEBHOOK_PORTS:
            raise Rejected(
                "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
            )
    if "secret_token" in params and not SECRET_TOKEN.fullmatch(params["secret_token"]):
        raise Rejected("Bad Request: bad webhook: secret token contains unallowed characters")
    if "max_connections" in params and not 1 <= parse_int(params, "max_connections") <= 100:
        raise Rejected("Bad Request: bad webhook: max_connections must be 1-100")
    if "allowed_updates" in params:
        _check_allowed_updates(parse_json(params, "allowed_updates"))


_METHOD_CHECKS: dict[str, Any] = {
    "sendMessage": _check_send_message,
    "editMessageText": _check_edit_text,
    "editMessageReplyMarkup": _check_edit_markup,
    "sendPhoto": _media_checker("photo", MAX_PHOTO_BYTES),
    "sendAnimation": _media_checker("animation", MAX_UPLOAD_BYTES),
    "sendDocument": _media_checker("document", MAX_UPLOAD_BYTES),
    "answerCallbackQuery": _check_callback_answer,
    "setMyCommands": _check_commands,
    "setMyDescription": _check_description,
    "setMyShortDescription": _check_short_description,
    "getUpdates": _check_get_updates,
    "setWebhook": _check_set_webhook,
}


def check_reply_markup(markup: Any) -> None:
    if not isinstance(markup, dict):
        raise Rejected("Bad Request: can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        return
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise Rejected("Bad Request: inline keyboard must be an array of arrays")
    if sum(len(row) for row in rows) > MAX_BUTTONS:
        raise Rejected("Bad Request: BUTTONS_TOO_MUCH")
    for row in rows:
        if not row:
            raise Rejected("Bad Request: inline keyboard row is empty")
        if len(row) > MAX_BUTTONS_PER_ROW:
            raise Rejected("Bad Request: BUTTONS_TOO_MUCH in a row")
        for button in row:
            _check_button(button)


def _check_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise Rejected("Bad Request: can't parse inline keyboard button: Text must be a string")
    if not button["text"].strip():
        raise Rejected("Bad Request: BUTTON_TEXT_EMPTY")
    actions = [name for name in BUTTON_ACTIONS if name in button]
    if len(actions) != 1:
        raise Rejected("Bad Request: can't parse inline keyboard button: exactly one action needed")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
            raise Rejected("Bad Request: BUTTON_DATA_INVALID")


class Spec:
    """Method and type definitions from the machine-readable Bot API spec."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.version: str = raw.get("version", "?")
        self.methods: dict[str, Any] = raw["methods"]
        self.types: dict[str, Any] = raw["types"]

    @classmethod
    def load(cls, path: Path = SPEC_PATH) -> Spec | None:
        """The spec when the file is there; ``None`` (skip these checks) when it is not."""
        if not path.is_file():
            return None
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def check_request(
        self, method: str, params: dict[str, str], uploads: dict[str, Upload]
    ) -> None:
        definition = self.methods.get(method)
        if definition is None:
            raise Rejected(f"Not Found: method {method} is not in {self.version}")
        fields = {f["name"]: f for f in definition.get("fields", [])}
        for name in params.keys() | uploads.keys():
            if name in fields:
                continue
            if any(p.endswith(f"attach://{name}") for p in params.values()):
                continue  # the file part an attach:// value points to
            raise Rejected(f"Bad Request: unknown parameter {name} for {method}")
        for name, field in fields.items():
            present = name in params or name in uploads
            if field["required"] and not present:
                raise Rejected(f"Bad Request: parameter {name} is required")
            if name in params and not self._form_value_fits(params[name], field["types"]):
                raise Rejected(f"Bad Request: {name} is not a valid {' or '.join(field['types'])}")

    def _form_value_fits(self, raw: str, types: list[str]) -> bool:
        """Form values are strings; scalars must parse, objects and arrays arrive as JSON."""
        for type_name in types:
            if type_name == "String" or type_name == "InputFile":
                return True
            if type_name == "Integer" and re.fullmatch(r"-?\d+", raw):
                return True
            if type_name == "Float" and re.fullmatch(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", raw):
                return True
            if type_name == "Boolean" and raw.lower() in ("true", "false"):
                return True
            if type_name not in ("Integer", "Float", "Boolean"):
                try:
                    value = json.loads(raw)
                except json.JSONDecodeError:
                    continue
                if self.value_problem(value, type_name) is None:
                    return True
        return False

    def value_problem(self, value: Any, type_name: str, where: str = "") -> str | None:
        """Why ``value`` is not a valid ``type_name`` (``None`` when it is)."""
        where = where or type_name
        if type_name.startswith("Array of "):
            if not isinstance(value, list):
                return f"{where}: expected an array"
            inner = type_name.removeprefix("Array of ")
            for index, item in enumerate(value):
                problem = self.value_problem(item, inner, f"{where}[{index}]")
                if problem is not None:
                    return problem
            return None
        scalar: dict[str, type | tuple[type, ...]] = {
            "String": str,
            "Integer": int,
            "Float": (int, float),
            "Boolean": bool,
        }
        if type_name in scalar:
            ok = isinstance(value, scalar[type_name]) and not (
                type_name in ("Integer", "Float") and isinstance(value, bool)
            )
            return None if ok else f"{where}: expected {type_name}"
        if type_name == "InputFile":
            return None if isinstance(value, str) else f"{where}: expected a file reference"
        definition = self.types.get(type_name)
        if definition is None:
            return f"{where}: unknown type {type_name}"
        if "subtypes" in definition:
            problems = [self.value_problem(value, sub, where) for sub in definition["subtypes"]]
            return None if any(p is None for p in problems) else f"{where}: fits no {type_name}"
        return self._object_problem(value, definition, where)

    def _object_problem(self, value: Any, definition: dict[str, Any], where: str) -> str | None:
        if not isinstance(value, dict):
            return f"{where}: expected an object"
        fields = {f["name"]: f for f in definition.get("fields", [])}
        for name in value:
            if name not in fields:
                return f"{where}: unknown field {name}"
        for name, field in fields.items():
            if name not in value:
                if field["required"]:
                    return f"{where}: missing field {name}"
                continue
            problems = [
                self.value_problem(value[name], t, f"{where}.{name}") for t in field["types"]
            ]
            if all(p is not None for p in problems):
                return problems[0]
        return None
