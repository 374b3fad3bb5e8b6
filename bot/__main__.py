"""Command line: ``python -m bot`` (also installed as ``hipcoach``)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import SettingsError, load_settings
from bot.content import ContentError, load_content
from bot.core.redaction import REDACTOR
from bot.logging_setup import setup_logging
from bot.storage.errors import DatabaseProblem
from bot.storage.migrations import DatabaseBehind
from bot.storage.token_lock import AlreadyRunning, LeadershipLost

EXIT_CONFIG = 2
EXIT_FAILED = 1  # nothing started, or a leader lost its lock: a supervisor restarts it


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hipcoach", description="Hip Coach: a chat coach that keeps runners' hips loose."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    console = commands.add_parser(
        "console",
        help="chat with the coach in this terminal",
        description="Chat with the coach "
        "in this terminal, on the configured database. Reads from a pipe too.",
    )
    console.add_argument("--user", default="runner", help="who you are in the chat")
    commands.add_parser(
        "run",
        help="start the bot",
        description="Start the platforms whose tokens are set; with none, the terminal chat.",
    )
    commands.add_parser(
        "migrate",
        help="bring the database up to date",
        description="Apply Alembic migrations up to head. Safe to run again.",
    )
    commands.add_parser(
        "check-content",
        help="validate content/",
        description="Load and validate every content file; prints what is wrong.",
    )
    faq_model = commands.add_parser(
        "faq-model",
        help="rebuild the FAQ's sentence model (needs the [faq-model] extra)",
        description="Distil the static sentence embedding the FAQ ranks answers with "
        "(bot/features/faq/model, see its README). Needs pip install -e '.[faq-model]'.",
    )
    faq_model.add_argument(
        "--base",
        default="sentence-transformers/all-MiniLM-L6-v2",
        help="the sentence-transformers model to distil: a hub name or a local folder",
    )
    faq_model.add_argument("--out", type=Path, help="where to write (default: the shipped model)")
    faq_model.add_argument("--dims", type=int, default=128, help="dimensions kept by PCA")
    faq_model.add_argument("--dtype", default="int8", help="int8, float16 or float32")
    return parser


def _faq_model(args: argparse.Namespace) -> int:
    from bot.features.faq.model_build import build_model
    from bot.features.faq.vectors import MODEL_DIR

    try:
        out = build_model(args.base, args.out or MODEL_DIR, args.dims, args.dtype)
    except ImportError as exc:
        print(f"{exc}: install the extra first: pip install -e '.[faq-model]'", file=sys.stderr)
        return EXIT_CONFIG
    print(f"FAQ sentence model written to {out}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "faq-model":
        return _faq_model(args)  # a build step: no settings, logging or content needed
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return EXIT_CONFIG
    level = settings.log_level
    no_platform = settings.telegram_token is None and settings.discord_token is None
    opens_terminal = args.command == "console" or (args.command == "run" and no_platform)
    if opens_terminal and "log_level" not in settings.model_fields_set:
        level = "WARNING"  # keep the chat readable unless asked otherwise
    setup_logging(level, secrets=settings_secrets(settings), json=settings.log_format == "json")
    from bot import app  # loaded once settings and logging are in place

    try:
        if args.command == "check-content":
            content = load_content(settings.content_dir)
            demos = sum(len(variants) for variants in content.media.poses.demos.values())
            print(
                f"content OK: {len(content.drills.drills)} drills, {demos} drill demos "
                f"(poses checked frame by frame), {content.directory}"
            )
        elif args.command == "migrate":
            revision = asyncio.run(app.migrate(settings))
            print(f"database at migration {revision}")
        elif args.command == "console":
            asyncio.run(app.run_bot(settings, console_user=args.user))
        else:
            asyncio.run(app.run_bot(settings))
    except (ContentError, DatabaseBehind, DatabaseProblem, AlreadyRunning) as exc:
        _say(str(exc))
        return EXIT_CONFIG
    except (LeadershipLost, app.NothingStarted) as exc:
        _say(str(exc))
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("\nBye!", file=sys.stderr)
    except Exception as exc:
        # Never a silent exit 0, nor a wall of traceback in the runner's terminal: one
        # line says what stopped it; LOG_LEVEL=DEBUG shows where.
        logging.getLogger("bot").debug("stopped_by_error", exc_info=True)
        first = (str(exc).strip().splitlines() or [""])[0]
        print(
            f"hipcoach stopped: {type(exc).__name__}: {first} (LOG_LEVEL=DEBUG shows where)",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return 0


def _say(line: str) -> None:
    """One line for the person at the terminal, secrets scrubbed as in the logs (a
    platform's error may quote the token it refused)."""
    print(REDACTOR.scrub(line), file=sys.stderr)


def settings_secrets(settings: object) -> list[str]:
    """Every secret-valued setting, so logs can scrub it."""
    from pydantic import SecretStr

    values = [getattr(settings, name) for name in type(settings).model_fields]  # type: ignore[attr-defined]
    return [v.get_secret_value() for v in values if isinstance(v, SecretStr)]


if __name__ == "__main__":
    sys.exit(main())
