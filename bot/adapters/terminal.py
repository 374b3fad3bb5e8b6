"""The terminal chat: the same coach, typed at a prompt or fed from a pipe.

Choices are printed as numbered lines (``[1] Done``); typing the number or the label
presses the button (the numbered fallback in :mod:`bot.adapters.base`). At a question that
asks for a number ("from 0 to 10") the choices are lettered instead (``[a] Mild``), so a
typed "3" is the answer 3. A destructive button (Stop, Delete, Erase) named by its number
is not pressed at once: the terminal asks, and only "y" presses it, so a stray digit never
stops a warm-up; typing its label presses it. A picture is shown as its file's path with
its alt text as a one-line cue: drill demos are files in the media cache already; a
picture about the runner (their /progress) is saved beside their exports, and erased
with them. Documents (the
data export) are written to a file named with a hash of the user's key, so that /forget
(``Outcome.erased``) can delete that user's exports before it says "erased". The
terminal is the only adapter that writes files about a user: Telegram and Discord send
the export as an upload from memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import logging
import os
import secrets
import selectors
import sys
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot.adapters.base import choice_key, typed_choice
from bot.adapters.terminal_style import PLAIN, Style, is_terminal, style_for
from bot.core.counts import CountScreens
from bot.core.messages import (
    Choice,
    ChoiceMade,
    Command,
    ConversationKey,
    Event,
    ImageRef,
    Inbound,
    Outcome,
    Platform,
    Reply,
    Text,
)
from bot.core.ports import Handler, Pictures
from bot.core.texts import CoreWords
from bot.core.understanding import plain_words

log = logging.getLogger(__name__)

CHAT_ID = "console"
MAX_LINE_BYTES = 1 << 20
CHUNK = 1 << 16
# Piped input is echoed, so the transcript reads well; a pasted essay, shortened.
MAX_ECHO = 200
# Exports hold health data: only the user running the coach may read them.
EXPORT_DIR_MODE = 0o700
EXPORT_FILE_MODE = 0o600


@dataclass(frozen=True, slots=True)
class Line:
    """One typed line, without its newline. ``too_long``: the line ran past
    ``MAX_LINE_BYTES``; ``text`` holds its start only, and the rest was dropped."""

    text: str
    too_long: bool = False


class _Splitter:
    """Bytes in, whole lines out; a line longer than ``limit`` is cut to its first
    ``limit`` bytes and the rest of it is dropped up to its newline, so it stays one line."""

    def __init__(self, limit: int = MAX_LINE_BYTES) -> None:
        self.limit = limit
        self._buffer = bytearray()
        self._too_long = False

    def feed(self, chunk: bytes) -> list[Line]:
        lines: list[Line] = []
        while chunk:
            newline = chunk.find(b"\n")
            piece, chunk = (chunk, b"") if newline < 0 else (chunk[:newline], chunk[newline + 1 :])
            self._take(piece)
            if newline >= 0:
                lines.append(self._line())
        return lines

    def end(self) -> list[Line]:
        """What is left at the end of input, as a last line (if anything is)."""
        return [self._line()] if self._buffer or self._too_long else []

    def _take(self, piece: bytes) -> None:
        room = self.limit - len(self._buffer)
        if len(piece) > room:
            self._too_long = True
            piece = piece[: max(room, 0)]
        self._buffer += piece

    def _line(self) -> Line:
        line = Line(self._buffer.decode("utf-8", errors="replace"), self._too_long)
        self._buffer.clear()
        self._too_long = False
        return line


async def read_lines(stream: TextIO | None) -> AsyncIterator[Line]:
    """Lines from ``stream`` without blocking the event loop on a terminal or a pipe.

    A terminal, pipe or socket is read through the loop (no thread, so Ctrl-C stays
    prompt). What the loop can't watch (a regular file, ``/dev/null``) never blocks, so
    it is read directly; so are in-memory streams. No stream at all (standard input
    closed) is an empty one. Any line is at most ``MAX_LINE_BYTES`` (see :class:`Line`).
    """
    if stream is None:
        return
    splitter = _Splitter()
    try:
        fd = stream.fileno()
        os.fstat(fd)
    except (OSError, ValueError, io.UnsupportedOperation):
        while typed := stream.read(CHUNK):
            for line in splitter.feed(typed.encode("utf-8", errors="surrogatepass")):
                yield line
        for line in splitter.end():
            yield line
        return
    if not _pollable(fd):
        with contextlib.suppress(OSError):
            os.set_blocking(fd, True)
        while chunk := _read_some(fd):
            for line in splitter.feed(chunk):
                yield line
        for line in splitter.end():
            yield line
        return
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=CHUNK)
    transport, _ = await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), stream
    )
    try:
        while chunk := await reader.read(CHUNK):
            for line in splitter.feed(chunk):
                yield line
        for line in splitter.end():
            yield line
    finally:
        transport.close()
        with contextlib.suppress(OSError):
            os.set_blocking(fd, True)  # leave the shell's terminal as we found it


def _pollable(fd: int) -> bool:
    """Can the event loop wait for this file to have input? (epoll refuses regular files
    and ``/dev/null`` with EPERM, and the loop would then never read them.)"""
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
    except (OSError, ValueError):
        return False
    return True


def _read_some(fd: int) -> bytes:
    try:
        return os.read(fd, CHUNK)
    except OSError:
        return b""  # the input went away (EIO from a closed terminal): end of input


def parse_line(line: str, choices: tuple[Choice, ...], *, asks_number: bool = False) -> Event:
    """Map a typed line to a command, a button press or free text."""
    stripped = line.strip()
    if stripped.startswith("/") and len(stripped) > 1:
        name, _, args = stripped[1:].partition(" ")
        return Command(name=name.lower(), args=args.strip())
    chosen = typed_choice(stripped, choices, asks_number=asks_number)
    return Text(line) if chosen is None else ChoiceMade(chosen.payload)


def render(
    reply: Reply,
    first: int = 1,
    picture: str | None = None,
    *,
    asks_number: bool = False,
    style: Style = PLAIN,
) -> str:
    """The reply's text (its bold parts in bold, with colour), its picture (``picture``:
    where it is) and its buttons, keyed from ``first``."""
    lines = [style.bold(reply.text, reply.bold)]
    image = reply.image
    if image is not None:
        cue = " ".join(image.alt.split())
        shown = f"[{image.kind.value}: {picture}] {cue}" if picture else f"[image: {cue}]"
        lines.append(style.quiet(shown))
    lettered = asks_number or reply.asks_number
    for position, choice in enumerate(reply.choices, start=first):
        key = choice_key(position, asks_number=lettered)
        lines.append(f"  {style.key(f'[{key}]')} {choice.label}" if key else f"  {choice.label}")
    return "\n".join(lines)


class TerminalAdapter:
    name = Platform.TERMINAL.value
    connected = True  # the terminal is always there

    def __init__(
        self,
        handler: Handler,
        *,
        user: str = "runner",
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        export_dir: Path = Path("data/exports"),
        pictures: Pictures | None = None,
        words: CoreWords | None = None,
        counts: CountScreens | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        """``environ`` (``os.environ`` by default) says whether to use colour."""
        self.handler = handler
        # Told of each paced count's first line; its beats are then printed as they come.
        self.counts = counts
        self.pictures = pictures
        # Without words to ask with, a destructive button is pressed by its label only.
        self.words = words
        heard = words.understanding if words else None
        # Emoji alone have no plain words: those are left to the coach.
        agree = frozenset(plain_words(w) for w in heard.agree) if heard else frozenset()
        disagree = frozenset(plain_words(w) for w in heard.disagree) if heard else frozenset()
        self._agree = agree - {""}
        self._disagree = disagree - {""}
        self.key = ConversationKey(Platform.TERMINAL.value, CHAT_ID, user)
        # Either may be None: Python's own sys.stdin is, when standard input was closed.
        self.stdin: TextIO | None = stdin if stdin is not None else sys.stdin
        self.stdout: TextIO | None = stdout if stdout is not None else sys.stdout
        self.output_closed = self.stdout is None
        self.export_dir = export_dir
        # Names this user's exports without spelling out who they are.
        self.export_tag = hashlib.sha256(str(self.key).encode()).hexdigest()[:16]
        self.echo_input = not is_terminal(self.stdin)
        # Someone types at a terminal: show where (a pipe needs no prompt).
        self.prompt = "> " if not self.echo_input else ""
        self.style = style_for(self.stdout, os.environ if environ is None else environ)
        # The most recent buttons shown; numbers (or letters) typed refer to these.
        self.choices: tuple[Choice, ...] = ()
        self.asks_number = False
        # A destructive button named by its number, waiting for "y".
        self.pending: Choice | None = None

    async def start(self) -> None:
        """Nothing to connect; the conversation runs in ``run``."""

    async def stop(self) -> None:
        """Nothing to disconnect."""

    async def send(self, key: ConversationKey, reply: Reply, *, bulk: bool = False) -> None:
        """Print a message that arrives on its own (a reminder), then the prompt again."""
        if self.prompt:
            self._write("\n")  # off the prompt line the runner may be typing on
        await self._show(reply)
        self._show_prompt()

    async def run(self) -> None:
        """Read lines until end of input, handling each before reading the next.

        Ends at end of input (or when nothing reads the output any more), whatever the
        input is: a terminal, a pipe, a file, ``/dev/null`` or no standard input at all.
        """
        self._print(
            "Hip Coach in your terminal. Type /start to begin, /help for commands, Ctrl-D to leave."
        )
        self._show_prompt()
        async for line in read_lines(self.stdin):
            if self.output_closed:
                return
            if self.echo_input:
                self._print(f"> {_shortened(line.text)}")
            # A line too long to read is refused whole, as one message, never as a
            # command or a press: the core answers it with "keep it under ...".
            event = Text(line.text) if line.too_long else self._event(line.text)
            if event is not None:
                outcome = await self.handler(Inbound(key=self.key, event=event, is_private=True))
                await self._show_outcome(outcome)
            self._show_prompt()

    def _event(self, line: str) -> Event | None:
        """What the line means; ``None`` when the terminal asked something itself."""
        pending, self.pending = self.pending, None
        if pending is not None and plain_words(line) in self._agree:
            return ChoiceMade(pending.payload)
        if pending is not None and plain_words(line) in self._disagree:
            return None  # not pressed; the buttons above still work
        stripped = line.strip()
        chosen = (
            None
            if stripped.startswith("/")
            else typed_choice(stripped, self.choices, asks_number=self.asks_number)
        )
        if chosen is None:
            return parse_line(line, self.choices, asks_number=self.asks_number)
        if chosen.destructive and stripped.casefold() != chosen.label.casefold():
            if self.words is None:
                return Text(line)
            self.pending = chosen
            self._print(self.words.common.confirm_press.format(label=chosen.label))
            return None
        return ChoiceMade(chosen.payload)

    async def _show_outcome(self, outcome: Outcome) -> None:
        if outcome.erased:
            self._erase_exports()
        # A button answer the replies don't already say (e.g. "that button has expired").
        if outcome.notice and outcome.notice not in (r.text for r in outcome.replies):
            self._print(self.style.quiet(f"({outcome.notice})"))
        # Buttons are numbered on through one answer, so that in a list of reminders
        # each one's Pause, Edit and Delete can be picked.
        shown: list[Choice] = []
        # One number question among the replies letters all of them: "3" is its answer.
        asks_number = any(reply.asks_number for reply in outcome.replies)
        for reply in outcome.replies:
            await self._show(reply, first=len(shown) + 1, asks_number=asks_number)
            shown += reply.choices
        if shown:
            self.choices = tuple(shown)
        # A number question without buttons ("what time?") still makes "8" an answer.
        if shown or asks_number:
            self.asks_number = asks_number

    async def _show(self, reply: Reply, first: int = 1, *, asks_number: bool = False) -> None:
        if reply.document is not None:
            try:
                path = self._save(reply.document.filename, reply.document.data)
            except OSError as exc:
                why = exc.strerror or type(exc).__name__
                self._print(f"I couldn't save your export in {self.export_dir}: {why}.")
            else:
                self._print(f"{reply.text}\n[saved to {path}]")
        else:
            where = await self._picture_at(reply.image) if reply.image is not None else None
            self._print(render(reply, first, where, asks_number=asks_number, style=self.style))
            if reply.count is not None and self.counts is not None:
                self.counts.opened(reply.count, self.key, _CountLines(self))
        if reply.choices:
            self.choices = reply.choices
            self.asks_number = asks_number or reply.asks_number

    async def _picture_at(self, image: ImageRef) -> str | None:
        """Where the picture is on disk, saving a one-off one (about this runner) beside
        their exports; ``None`` when there is none to show."""
        picture = await self.pictures.picture(image) if self.pictures is not None else None
        if picture is None:
            return None
        if picture.path is not None:
            return str(picture.path)
        try:
            return str(self._save(picture.filename, picture.data))
        except OSError:
            return None

    def _save(self, filename: str, data: bytes) -> Path:
        """Write a new file only its owner can read; never overwrite another export."""
        self.export_dir.mkdir(mode=EXPORT_DIR_MODE, parents=True, exist_ok=True)
        os.chmod(self.export_dir, EXPORT_DIR_MODE)  # an existing folder may be wider
        stem, dot, suffix = filename.rpartition(".")
        name = f"{stem or suffix}-{self.export_tag}-{secrets.token_hex(4)}"
        unique = f"{name}{dot}{suffix if stem else ''}"
        path = self.export_dir / unique
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, EXPORT_FILE_MODE)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
        except OSError:
            path.unlink(missing_ok=True)  # no half-written export left behind
            raise
        return path

    def _erase_exports(self) -> None:
        """Delete every export written for this user (the runner asked to be forgotten)."""
        if not self.export_dir.is_dir():
            return
        for path in self.export_dir.glob(f"*-{self.export_tag}-*"):
            try:
                path.unlink()
            except OSError as exc:
                why = exc.strerror or type(exc).__name__
                self._print(f"I couldn't delete your export {path}: {why}.")

    def _show_prompt(self) -> None:
        if self.prompt:
            self._write(self.style.key(self.prompt) if self.style.colour else self.prompt)

    def _print(self, text: str) -> None:
        self._write(text + "\n\n")

    def _write(self, text: str) -> None:
        if self.output_closed or self.stdout is None:
            return
        try:
            self.stdout.write(text)
            self.stdout.flush()
        except (BrokenPipeError, ValueError):  # the reader of our output went away
            self.output_closed = True
            log.warning("terminal_output_closed: nothing reads the chat's output; leaving")
            _quiet(self.stdout)


class _CountLines:
    """A paced count in the terminal: each beat printed as a line of its own (a
    terminal can't edit what it printed), its buttons numbered as usual."""

    def __init__(self, adapter: TerminalAdapter) -> None:
        self._adapter = adapter

    async def show(self, text: str, choices: tuple[Choice, ...]) -> None:
        await self._adapter._show(Reply(text, choices=choices))


def _shortened(text: str) -> str:
    return text if len(text) <= MAX_ECHO else f"{text[:MAX_ECHO]}… ({len(text)} characters)"


def _quiet(stream: TextIO) -> None:
    """Point a closed pipe's descriptor at /dev/null, so that the interpreter's last
    flush at exit doesn't fail again and print "Exception ignored"."""
    with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
