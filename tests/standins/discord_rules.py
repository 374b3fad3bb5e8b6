"""Discord API request rules, as documented, checked by the stand-in server.

Two layers: hand-written rules for the limits in Discord's documentation (message
length, component counts, custom_id and label lengths, command names and descriptions),
and, when the machine-readable OpenAPI spec is present beside the repository, the
request schemas it publishes.

The spec is a public preview with known slips; where it disagrees with the
documentation the documentation wins:

- ``MessageCreateRequest.content`` says 4,000 characters; the documented limit is
  2,000 (checked here by hand for every message body);
- snowflakes are typed as strings only, but the API accepts integers too (discord.py
  sends attachment ids and DM recipients as integers).
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).resolve().parents[2].parent / "shared" / "specs" / "discord-openapi.json"

MAX_CONTENT = 2000
MAX_ACTION_ROWS = 5
MAX_BUTTONS_PER_ROW = 5
MAX_CUSTOM_ID = 100
MAX_LABEL = 80
MAX_COMMANDS = 100
MAX_COMMAND_NAME = 32
MAX_DESCRIPTION = 100
MAX_OPTIONS = 25
MAX_CHOICES = 25  # per option, and per autocomplete answer
MAX_CHOICE_TEXT = 100
MAX_ATTACHMENTS = 10
# Uploads: the size a bot may send without boosts, as the stand-in's interactions say
# (``attachment_size_limit``); Discord's default, lowered from 25 MiB in 2024.
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# Embeds, from Discord's documentation of embed limits.
MAX_EMBEDS = 10
MAX_EMBED_TITLE = 256
MAX_EMBED_DESCRIPTION = 4096
MAX_EMBED_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER = 2048
MAX_AUTHOR = 256
MAX_EMBED_TOTAL = 6000

ACTION_ROW = 1
BUTTON = 2
LINK_STYLE = 5
PREMIUM_STYLE = 6

_SPEC_URI = "urn:discord-openapi"


def valid_command_name(name: str) -> bool:
    """Discord's ``^[-_\\p{L}\\p{N}]{1,32}$``, lower case where a letter has cases."""
    if not 1 <= len(name) <= MAX_COMMAND_NAME or name != name.lower():
        return False
    return all(ch in "-_" or ch.isalpha() or ch.isnumeric() for ch in name)


def check_message(body: Mapping[str, Any], *, creating: bool) -> list[str]:
    """Problems with a message body (create, edit, interaction response or follow-up)."""
    problems: list[str] = []
    content = body.get("content")
    if content is not None:
        if not isinstance(content, str):
            problems.append("content must be a string")
        elif len(content) > MAX_CONTENT:
            problems.append(f"content has {len(content)} characters, the limit is {MAX_CONTENT}")
    components = body.get("components") or []
    problems.extend(check_components(components))
    attachments = body.get("attachments") or []
    if len(attachments) > MAX_ATTACHMENTS:
        problems.append(f"{len(attachments)} attachments, the limit is {MAX_ATTACHMENTS}")
    files = body.get("__files__") or []
    has_files = bool(files)
    names = [str(a.get("filename")) for a in attachments if isinstance(a, Mapping)]
    names += [str(getattr(f, "filename", "")) for f in files]
    problems.extend(check_embeds(body.get("embeds") or [], set(names)))
    for file in files:
        size = len(getattr(file, "data", b""))
        if size > MAX_ATTACHMENT_BYTES:
            problems.append(f"file {file.filename!r} is {size} bytes, the limit is 10 MiB")
    if creating and not (content or components or attachments or body.get("embeds") or has_files):
        problems.append("a new message needs content, components, embeds or a file")
    return problems


def check_embeds(embeds: Any, filenames: set[str]) -> list[str]:
    """Problems with a message's embeds: Discord's limits on each part and on all of
    them together, and every ``attachment://`` image naming a file sent with them."""
    if not isinstance(embeds, list):
        return ["embeds must be an array"]
    problems: list[str] = []
    if len(embeds) > MAX_EMBEDS:
        problems.append(f"{len(embeds)} embeds, the limit is {MAX_EMBEDS}")
    total = 0
    for index, embed in enumerate(embeds):
        where = f"embed {index}"
        if not isinstance(embed, Mapping):
            problems.append(f"{where} is not an object")
            continue
        fields = embed.get("fields") or []
        footer = (embed.get("footer") or {}).get("text") or ""
        author = (embed.get("author") or {}).get("name") or ""
        parts = [
            ("title", embed.get("title") or "", MAX_EMBED_TITLE),
            ("description", embed.get("description") or "", MAX_EMBED_DESCRIPTION),
            ("footer", footer, MAX_FOOTER),
            ("author name", author, MAX_AUTHOR),
        ]
        if len(fields) > MAX_EMBED_FIELDS:
            problems.append(f"{where} has {len(fields)} fields, the limit is {MAX_EMBED_FIELDS}")
        for number, field in enumerate(fields):
            parts.append((f"field {number} name", field.get("name") or "", MAX_FIELD_NAME))
            parts.append((f"field {number} value", field.get("value") or "", MAX_FIELD_VALUE))
        for name, text, limit in parts:
            if len(text) > limit:
                problems.append(f"{where} {name} has {len(text)} characters, the limit is {limit}")
            total += len(text)
        for kind in ("image", "thumbnail"):
            url = str((embed.get(kind) or {}).get("url") or "")
            if (
                url.startswith("attachment://")
                and url.removeprefix("attachment://") not in filenames
            ):
                problems.append(f"{where} {kind} {url} names no file sent with the message")
    if total > MAX_EMBED_TOTAL:
        problems.append(f"embeds have {total} characters in all, the limit is {MAX_EMBED_TOTAL}")
    return problems


def check_autocomplete(choices: Any) -> list[str]:
    """Problems with an autocomplete answer: "up to 25 choices", each with a name and a
    value of 1-100 characters (the documented limits; the spec allows longer values)."""
    if not isinstance(choices, list):
        return [f"autocomplete answered with {choices!r:.80}: choices must be an array"]
    problems = []
    if len(choices) > MAX_CHOICES:
        problems.append(f"autocomplete answered with {len(choices)} choices: at most 25")
    for choice in choices:
        if not isinstance(choice, Mapping):
            problems.append(f"autocomplete choice {choice!r:.80} is not an object")
            continue
        name, value = choice.get("name"), choice.get("value")
        if not (isinstance(name, str) and 1 <= len(name) <= MAX_CHOICE_TEXT):
            problems.append(f"autocomplete choice name {name!r:.120}")
        if not (isinstance(value, str) and 1 <= len(value) <= MAX_CHOICE_TEXT):
            problems.append(f"autocomplete choice value {value!r:.120}")
    return problems


def check_components(rows: Iterable[Any]) -> list[str]:
    problems: list[str] = []
    rows = list(rows)
    if len(rows) > MAX_ACTION_ROWS:
        problems.append(f"{len(rows)} action rows, the limit is {MAX_ACTION_ROWS}")
    seen: set[str] = set()
    for r, row in enumerate(rows):
        if not isinstance(row, Mapping) or row.get("type") != ACTION_ROW:
            problems.append(f"component {r} is not an action row")
            continue
        children = row.get("components") or []
        if not 1 <= len(children) <= MAX_BUTTONS_PER_ROW:
            problems.append(f"row {r} has {len(children)} components, allowed 1-5")
        for c, child in enumerate(children):
            problems.extend(_check_button(child, f"row {r} button {c}", seen))
    return problems


def _check_button(child: Any, where: str, seen: set[str]) -> list[str]:
    if not isinstance(child, Mapping) or child.get("type") != BUTTON:
        return [f"{where} is not a button"]
    problems: list[str] = []
    label = child.get("label")
    if label is not None and len(label) > MAX_LABEL:
        problems.append(f"{where} label has {len(label)} characters, the limit is {MAX_LABEL}")
    if not label and not child.get("emoji"):
        problems.append(f"{where} needs a label or an emoji")
    style = child.get("style")
    if style == LINK_STYLE:
        if not child.get("url") or child.get("custom_id"):
            problems.append(f"{where}: a link button takes a url and no custom_id")
        return problems
    if style == PREMIUM_STYLE:
        return problems
    custom_id = child.get("custom_id")
    if not isinstance(custom_id, str) or not 1 <= len(custom_id) <= MAX_CUSTOM_ID:
        problems.append(f"{where} custom_id must be 1-{MAX_CUSTOM_ID} characters: {custom_id!r}")
    elif custom_id in seen:
        problems.append(f"{where} custom_id {custom_id!r} is used twice in one message")
    else:
        seen.add(custom_id)
    return problems


def check_commands(body: Any) -> list[str]:
    """Problems with a bulk-overwrite body of application commands."""
    if not isinstance(body, list):
        return ["commands must be a JSON array"]
    problems: list[str] = []
    if len(body) > MAX_COMMANDS:
        problems.append(f"{len(body)} commands, the limit is {MAX_COMMANDS}")
    names: set[str] = set()
    for command in body:
        if not isinstance(command, Mapping):
            problems.append("a command must be an object")
            continue
        name = str(command.get("name", ""))
        if command.get("type", 1) == 1:
            problems.extend(_check_named(command, f"command {name!r}"))
        if name in names:
            problems.append(f"command {name!r} appears twice")
        names.add(name)
        options = command.get("options") or []
        if len(options) > MAX_OPTIONS:
            problems.append(f"command {name!r} has {len(options)} options, the limit is 25")
        problems.extend(_check_options(options, name))
    return problems


def _check_named(item: Mapping[str, Any], where: str) -> list[str]:
    problems: list[str] = []
    name = item.get("name")
    if not isinstance(name, str) or not valid_command_name(name):
        problems.append(f"{where}: name must be lower case, 1-32 letters, digits, - or _")
    description = item.get("description")
    if not isinstance(description, str) or not 1 <= len(description) <= MAX_DESCRIPTION:
        problems.append(f"{where}: description must be 1-{MAX_DESCRIPTION} characters")
    return problems


def _check_options(options: list[Any], command: str) -> list[str]:
    problems: list[str] = []
    optional_seen = False
    names: set[str] = set()
    for option in options:
        if not isinstance(option, Mapping):
            problems.append(f"command {command!r}: an option must be an object")
            continue
        name = str(option.get("name", ""))
        problems.extend(_check_named(option, f"option {name!r} of {command!r}"))
        if name in names:
            problems.append(f"command {command!r}: option {name!r} appears twice")
        names.add(name)
        choices = option.get("choices") or []
        if len(choices) > MAX_CHOICES:
            problems.append(f"command {command!r}: option {name!r} has {len(choices)} choices")
        if choices and option.get("autocomplete"):
            # "autocomplete may not be set to true if choices are present"
            problems.append(f"command {command!r}: option {name!r} has choices and autocomplete")
        for choice in choices:
            label, value = choice.get("name"), choice.get("value")
            if not (isinstance(label, str) and 1 <= len(label) <= 100):
                problems.append(f"command {command!r}: option {name!r} choice name {label!r}")
            if isinstance(value, str) and not 1 <= len(value) <= 100:
                problems.append(f"command {command!r}: option {name!r} choice value {value!r}")
        if option.get("required"):
            if optional_seen:
                problems.append(f"command {command!r}: required option {name!r} after optional")
        else:
            optional_seen = True
    return problems


class SpecChecker:
    """Validates request bodies against the OpenAPI spec's request schemas."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self._spec = spec
        registry: Registry[Any] = Registry().with_resource(
            _SPEC_URI, Resource.from_contents(spec, default_specification=DRAFT202012)
        )
        self._registry = registry
        self._validators: dict[tuple[str, str], Draft202012Validator | None] = {}

    def problems(self, method: str, path: str, body: Any) -> list[str]:
        validator = self._validator(method.lower(), path)
        if validator is None:
            return []
        return [
            f"spec {method} {path}: {'/'.join(map(str, error.absolute_path)) or '<body>'}: "
            f"{error.message[:300]}"
            for error in validator.iter_errors(body)
        ]

    def _validator(self, method: str, path: str) -> Draft202012Validator | None:
        key = (method, path)
        if key not in self._validators:
            operation = self._spec.get("paths", {}).get(path, {}).get(method)
            content = (operation or {}).get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            self._validators[key] = (
                None
                if schema is None
                else Draft202012Validator(
                    {
                        "$ref": f"{_SPEC_URI}#/paths/{_pointer(path)}/{method}"
                        "/requestBody/content/application~1json/schema"
                    },
                    registry=self._registry,
                )
            )
        return self._validators[key]


def _pointer(path: str) -> str:
    return path.replace("~", "~0").replace("/", "~1")


@functools.cache
def spec_checker(path: Path = SPEC_PATH) -> SpecChecker | None:
    """The checker for the spec beside the repository, or ``None`` when it is absent."""
    if not path.is_file():
        return None
    spec = json.loads(path.read_text(encoding="utf-8"))
    return SpecChecker(_with_documented_leniency(spec))


def _with_documented_leniency(spec: dict[str, Any]) -> dict[str, Any]:
    spec = copy.deepcopy(spec)
    schemas = spec["components"]["schemas"]
    snowflake = schemas["SnowflakeType"]
    schemas["SnowflakeType"] = {"anyOf": [snowflake, {"type": "integer", "minimum": 0}]}
    return spec
