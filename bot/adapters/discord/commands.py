"""Slash commands made from the core's command list, and syncing them only when they change.

A command with named parts (:class:`~bot.core.ports.OptionSpec`) gets one option for
each, with Discord's choices or autocomplete; what the runner fills in is joined back
into the one line the core reads. Other commands that take text get one text option.

Discord keeps an application's commands on its side; overwriting them on every start
is slow to propagate and rate limited. The command set that was last synced is
remembered as a hash (with the application and the scope in it), so a restart with
the same commands syncs nothing.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

import discord
from discord import app_commands

from bot.adapters.discord.texts import TextOption
from bot.adapters.text import fit
from bot.core.ports import CommandSpec, KeyValues, Suggest

log = logging.getLogger(__name__)

MAX_DESCRIPTION = 100
MAX_CHOICES = 25  # choices and autocomplete results per option
MAX_CHOICE_TEXT = 100  # a choice's name and value

RunCommand = Callable[[discord.Interaction[discord.Client], str, str], Awaitable[None]]
"""Called for every slash command: (interaction, command name, free text or "")."""


def build_commands(
    specs: Sequence[CommandSpec], option: TextOption, run: RunCommand
) -> list[app_commands.Command[Any, ..., None]]:
    """One slash command per core command; commands that take text get one optional option."""
    names = [spec.name for spec in specs]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ValueError(f"commands listed twice: {', '.join(twice)}")
    unknown = sorted(set(option.per_command) - {s.name for s in specs if s.takes_text})
    if unknown:
        raise ValueError(
            "texts/discord.yaml: text_option.per_command: no command that takes text: "
            + ", ".join(unknown)
        )
    return [_command(spec, option, run) for spec in specs]


def _command(
    spec: CommandSpec, option: TextOption, run: RunCommand
) -> app_commands.Command[Any, ..., None]:
    name = spec.name
    callback: Callable[..., Coroutine[Any, Any, None]]
    if spec.options:
        callback = _with_options(spec, run)
    elif spec.takes_text:

        async def with_text(
            interaction: discord.Interaction[discord.Client], text: str | None = None
        ) -> None:
            await run(interaction, name, text or "")

        described = app_commands.describe(text=option.per_command.get(name, option.description))(
            with_text
        )
        callback = app_commands.rename(text=option.name)(described)
    else:

        async def plain(interaction: discord.Interaction[discord.Client]) -> None:
            await run(interaction, name, "")

        callback = plain
    return app_commands.Command(name=name, description=_fit(spec.description), callback=callback)


def _with_options(spec: CommandSpec, run: RunCommand) -> Callable[..., Coroutine[Any, Any, None]]:
    """A callback taking one optional text option per part of ``spec``."""
    name = spec.name

    async def callback(interaction: discord.Interaction[discord.Client], **values: str) -> None:
        await run(interaction, name, spec.text_of(values))

    # discord.py reads a command's options from its callback's signature.
    interaction = inspect.Parameter(
        "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
    )
    options = [
        inspect.Parameter(
            o.name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=str | None
        )
        for o in spec.options
    ]
    callback.__signature__ = inspect.Signature([interaction, *options])  # type: ignore[attr-defined]
    described = app_commands.describe(**{o.name: _fit(o.description) for o in spec.options})
    decorated: Callable[..., Coroutine[Any, Any, None]] = described(callback)
    choices = {
        o.name: [app_commands.Choice(name=label, value=value) for label, value in o.choices]
        for o in spec.options
        if o.choices
    }
    if choices:
        decorated = app_commands.choices(**choices)(decorated)
    completions = {o.name: _autocomplete(o.suggest) for o in spec.options if o.suggest}
    if completions:
        decorated = app_commands.autocomplete(**completions)(decorated)
    return decorated


Complete = Callable[
    [discord.Interaction[Any], str], Coroutine[Any, Any, list[app_commands.Choice[str]]]
]


def _autocomplete(suggest: Suggest) -> Complete:
    async def complete(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        values = [v for v in suggest(current) if 1 <= len(v) <= MAX_CHOICE_TEXT]
        return [app_commands.Choice(name=v, value=v) for v in values[:MAX_CHOICES]]

    return complete


def _fit(description: str) -> str:
    return fit(" ".join(description.split()), MAX_DESCRIPTION)


def command_set_hash(
    tree: app_commands.CommandTree[discord.Client], *, app_id: int, guild_id: int | None
) -> str:
    guild = discord.Object(id=guild_id) if guild_id is not None else None
    payload = [command.to_dict(tree) for command in tree.get_commands(guild=guild)]
    canonical = json.dumps(
        {"application": app_id, "guild": guild_id, "commands": payload},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def sync_key(guild_id: int | None) -> str:
    return f"discord:commands:{'global' if guild_id is None else f'guild:{guild_id}'}"


async def sync_if_changed(
    tree: app_commands.CommandTree[discord.Client],
    store: KeyValues,
    *,
    app_id: int,
    guild_id: int | None,
) -> bool:
    """Overwrite the commands on Discord if they differ from the last sync; True if synced.

    With ``guild_id`` the commands go to that guild only (they show up at once there,
    which suits development); otherwise they are global.
    """
    if guild_id is not None:
        tree.copy_global_to(guild=discord.Object(id=guild_id))
    digest = command_set_hash(tree, app_id=app_id, guild_id=guild_id)
    key = sync_key(guild_id)
    if await store.get(key) == digest:
        log.info("commands_unchanged platform=discord scope=%s", _scope(guild_id))
        return False
    synced = await tree.sync(guild=discord.Object(id=guild_id) if guild_id is not None else None)
    await store.put(key, digest)
    log.info("commands_synced platform=discord scope=%s count=%d", _scope(guild_id), len(synced))
    return True


def _scope(guild_id: int | None) -> str:
    return "global" if guild_id is None else "guild"
