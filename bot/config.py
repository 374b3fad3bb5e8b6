"""Settings from the environment and an optional ``.env`` file."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///data/hipcoach.sqlite3"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # --- core ---
    database_url: str = DEFAULT_DATABASE_URL
    log_level: str = "INFO"
    # "json": one JSON object a line (bot.ops.json_log), for log collectors.
    log_format: str = "text"
    # /healthz, /readyz and /metrics on this port. With a Telegram webhook they are served
    # on PORT beside it, and this is not needed.
    health_port: int | None = Field(default=None, ge=1, le=65535)
    content_dir: Path = Path("content")
    # Files the coach writes besides the database (terminal exports) go under here.
    data_dir: Path = Path("data")
    # A conversation left alone this long starts over, with a friendly note.
    conversation_idle_minutes: int = Field(default=120, ge=1, le=7 * 24 * 60)
    # The key that signs whose button is whose. Unset: generated once into
    # <DATA_DIR>/button-secret (mode 0600) and reused, so buttons survive restarts.
    button_secret: SecretStr | None = None

    # --- reminders ---
    # An occurrence missed (downtime) by up to this long is still sent, with a note.
    reminder_grace_minutes: int = Field(default=15, ge=0, le=24 * 60)
    reminder_snooze_minutes: int = Field(default=10, ge=1, le=180)
    reminder_default_lead_minutes: int = Field(default=30, ge=0, le=180)
    reminder_max_per_user: int = Field(default=20, ge=1, le=200)
    # How often the scheduler checks the table even when nothing asked it to.
    reminder_safety_tick_seconds: int = Field(default=60, ge=5, le=3600)
    # Reminders claimed per database transaction, and sends in flight at once.
    reminder_batch_size: int = Field(default=100, ge=1, le=10_000)
    reminder_send_concurrency: int = Field(default=32, ge=1, le=10_000)
    # A claimed reminder stays its process's this long without renewal; after that (the
    # process died) another one sends it again.
    reminder_lease_seconds: int = Field(default=30, ge=2, le=3600)
    # After a planned run, ask how the hips felt this many minutes later (0: only for
    # runners who turn it on with /checkin).
    checkin_delay_minutes: int = Field(default=90, ge=0, le=360)

    # --- discord ---
    # The bot token from Discord's developer portal; the Discord bot runs only when it is set.
    discord_token: SecretStr | None = None
    # REST base and gateway; point them at a rate-limit proxy if you run one.
    discord_api_url: str = "https://discord.com/api/v10"
    discord_gateway_url: str = "wss://gateway.discord.gg/"
    # Sync the slash commands to this one server only (they show up there at once): development.
    discord_guild_id: int | None = Field(default=None, gt=0)
    # Gateway sharding across workers: how many shards the bot has, and which of them this
    # worker runs ("0,1"; all of them when unset). Unset count: no sharding.
    discord_shard_count: int | None = Field(default=None, ge=1, le=1024)
    discord_shard_ids: str | None = None

    # --- telegram ---
    # The bot token from @BotFather; the Telegram bot runs only when it is set.
    telegram_token: SecretStr | None = None
    # Bot API base, the token is appended (a self-hosted Bot API server works too).
    telegram_api_url: str = "https://api.telegram.org/bot"
    # Webhook mode when set (public HTTPS URL that reaches PORT); long polling otherwise.
    telegram_webhook_url: str | None = None
    # Telegram sends it in X-Telegram-Bot-Api-Secret-Token; required with a webhook URL.
    telegram_webhook_secret: SecretStr | None = None
    # Where the webhook listener binds (hosting platforms set PORT).
    port: int = Field(default=8080, ge=1, le=65535)

    @field_validator(
        "telegram_token", "telegram_webhook_url", "telegram_webhook_secret", mode="before"
    )
    @classmethod
    def _blank_telegram_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("telegram_api_url")
    @classmethod
    def _telegram_api_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("use an https:// URL ending in /bot")
        return value

    @field_validator("telegram_webhook_url")
    @classmethod
    def _telegram_webhook_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://"):
            raise ValueError("Telegram delivers webhooks to https:// URLs only")
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _telegram_webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(
            r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()
        ):
            raise ValueError("use 1-256 characters: letters, digits, _ and -")
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.telegram_webhook_url and self.telegram_webhook_secret is None:
            raise ValueError("TELEGRAM_WEBHOOK_SECRET is required with TELEGRAM_WEBHOOK_URL")
        return self

    @field_validator("button_secret", mode="before")
    @classmethod
    def _blank_secret_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("button_secret")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().encode()) < 32:
            raise ValueError(
                "use at least 32 characters, such as the output of "
                "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return value

    @field_validator("discord_shard_ids")
    @classmethod
    def _shard_list(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"\s*\d+(\s*,\s*\d+)*\s*", value):
            raise ValueError('use shard numbers separated by commas, such as "0,1"')
        return value

    @model_validator(mode="after")
    def _shards_in_range(self) -> Settings:
        ids = self.shard_ids
        if ids is None:
            return self
        if self.discord_shard_count is None:
            raise ValueError("DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT")
        if any(i >= self.discord_shard_count for i in ids):
            raise ValueError(f"DISCORD_SHARD_IDS run from 0 to {self.discord_shard_count - 1}")
        return self

    @property
    def shard_ids(self) -> tuple[int, ...] | None:
        """``DISCORD_SHARD_IDS`` as numbers, in order, without repeats."""
        if not self.discord_shard_ids or not self.discord_shard_ids.strip():
            return None
        return tuple(sorted({int(part) for part in self.discord_shard_ids.split(",")}))

    @field_validator(
        "discord_token",
        "discord_guild_id",
        "discord_shard_count",
        "discord_shard_ids",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("discord_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("use an https:// URL")
        return value.rstrip("/")

    @field_validator("discord_gateway_url")
    @classmethod
    def _websocket_url(cls, value: str) -> str:
        if not value.startswith(("wss://", "ws://")):
            raise ValueError("use a wss:// URL")
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        value = normalise_database_url(value)
        if not value.startswith(("sqlite://", "postgresql+asyncpg://")):
            raise ValueError("use a sqlite:// or postgresql:// URL")
        return value

    @field_validator("health_port", mode="before")
    @classmethod
    def _blank_port_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("log_format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        lower = value.lower()
        if lower not in LOG_FORMATS:
            raise ValueError(f"use one of {', '.join(LOG_FORMATS)}")
        return lower

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        upper = value.upper()
        if upper not in LOG_LEVELS:
            raise ValueError(f"use one of {', '.join(LOG_LEVELS)}")
        return upper

    @field_validator("content_dir")
    @classmethod
    def _content_exists(cls, value: Path) -> Path:
        if not value.is_dir():
            raise ValueError(f"no such directory: {value}")
        return value


def normalise_database_url(url: str) -> str:
    """Accept the URLs hosting platforms hand out and pick the async driver."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    if url.startswith("sqlite+aiosqlite:///"):  # SQLite runs inline; see storage.sqlite_inline
        return "sqlite:///" + url[len("sqlite+aiosqlite:///") :]
    return url


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it, fit for one line."""


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        raise SettingsError(f"bad setting {name}: {first['msg']}") from None
