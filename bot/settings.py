"""Configuration: one pydantic-settings class read from the environment and `.env`.

Every variable of DESIGN.md §1 lives here. `load_settings()` turns a missing or malformed value into
one plain line that names the variable and what it expects (`ConfigError`), never a traceback.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AnyHttpUrl,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = ["ConfigError", "Settings", "load_settings"]

Mode = Literal["serve", "socket", "console", "check", "any"]

_EXPECTS: dict[str, str] = {
    "SLACK_BOT_TOKEN": "a Slack bot token starting with xoxb-",
    "SLACK_SIGNING_SECRET": "the Signing Secret from the Slack app's Basic Information page",
    "SLACK_APP_TOKEN": "an app-level token starting with xapp- (Socket Mode)",
    "SLACK_API_URL": "a URL such as https://slack.com/api/",
    "SENTRY_AUTH_TOKEN": "a Sentry organization auth token",
    "SENTRY_ORG": "the organization slug, e.g. my-company",
    "SENTRY_URL": "a URL such as https://sentry.io/",
    "SENTRY_CLIENT_SECRET": "the Client Secret of the Sentry integration",
    "SENTRY_SERVICE_HOOK_SECRETS": "a list such as guid1=secret1,guid2=secret2",
    "BOT_PUBLIC_URL": "the public base URL of this bot, e.g. https://bot.example.com",
    "DATABASE_URL": "sqlite:///path.db or postgresql://user@host/db",
    "BOT_ADMINS": "Slack user IDs separated by commas, e.g. U012AB3CD,U045EF6GH",
    "CACHE_TTL_SECONDS": "a number of seconds, 0 or more",
    "BOT_READ_POLICY": "member (read commands need a mapped Sentry member) or everyone",
    "BOT_AUDIT_CHANNEL": "a Slack channel ID such as C012AB3CD",
    "BOT_ALLOWED_CHANNELS": "Slack channel IDs separated by commas",
    "BOT_SHUTDOWN_GRACE": "a number of seconds, 0 or more",
    "BOT_ALERT_WORKER": "on (this process also delivers alerts) or off (receive only)",
    "BOT_AUTO_MIGRATE": "on (upgrade the database schema at start) or off (only sentry-bot migrate does)",
    "LOG_FORMAT": "text or json (one JSON object a line)",
    "LOG_LEVEL": "a level name: DEBUG, INFO, WARNING or ERROR",
    "SENTRY_DSN": "a Sentry DSN such as https://key@o0.ingest.sentry.io/0 (the bot's own errors)",
    "SLACK_COMMAND": "a slash command such as /sentry or /triage (lowercase, at most 32 characters)",
}


class ConfigError(Exception):
    """A configuration problem, worded for the person who runs the bot."""


class Settings(BaseSettings):
    """The bot's configuration. Field names are the environment variables, lower-cased."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # Slack app > Basic Information / OAuth & Permissions / App-Level Tokens
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: AnyHttpUrl = AnyHttpUrl("https://slack.com/api/")
    # Sentry's own Slack app also claims /sentry; a workspace with both gives this bot another name.
    # Slack: a command starts with /, is lowercase, at most 32 characters (app manifest reference).
    slack_command: str = Field(default="/sentry", pattern=r"^/[a-z0-9][a-z0-9_.-]{0,30}$")

    # Sentry > Settings > Auth Tokens; the organization slug; self-hosted or region URL
    sentry_auth_token: SecretStr | None = None
    sentry_org: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,49}$")
    sentry_url: AnyHttpUrl = AnyHttpUrl("https://sentry.io/")
    sentry_client_secret: SecretStr | None = None
    sentry_service_hook_secrets: Annotated[dict[str, SecretStr], NoDecode] = Field(default_factory=dict)

    bot_public_url: AnyHttpUrl | None = None
    database_url: str = "sqlite:///sentry-bot.db"
    bot_admins: Annotated[frozenset[str], NoDecode] = frozenset()
    cache_ttl_seconds: float = Field(default=60, ge=0)
    bot_read_policy: Literal["member", "everyone"] = "member"
    bot_audit_channel: str | None = None
    bot_allowed_channels: Annotated[frozenset[str], NoDecode] = frozenset()
    # Operations: how long a SIGTERM waits for work in flight; who delivers alerts; who migrates.
    bot_shutdown_grace: float = Field(default=10, ge=0)
    bot_alert_worker: Literal["on", "off"] = "on"
    bot_auto_migrate: Literal["on", "off"] = "on"
    # Scheduled reports: the time zone of `/sentry report add` without `--tz` (an IANA name).
    bot_timezone: str = "UTC"

    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # The bot's own errors and traces go here (sentry-sdk); a secret-bearing URL, so never printed.
    sentry_dsn: SecretStr | None = None

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_shape(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and not v.get_secret_value().startswith("xoxb-"):
            raise ValueError("must start with xoxb-")
        return v

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and not v.get_secret_value().startswith("xapp-"):
            raise ValueError("must start with xapp-")
        return v

    @field_validator("sentry_service_hook_secrets", mode="before")
    @classmethod
    def _parse_hook_secrets(cls, v: Any) -> Any:
        if not isinstance(v, str):
            return v
        pairs: dict[str, str] = {}
        for item in filter(None, (p.strip() for p in v.split(","))):
            guid, sep, secret = item.partition("=")
            if not sep or not guid.strip() or not secret.strip():
                raise ValueError("each entry must look like guid=secret")
            pairs[guid.strip()] = secret.strip()
        return pairs

    @field_validator("bot_admins", "bot_allowed_channels", mode="before")
    @classmethod
    def _parse_admins(cls, v: Any) -> Any:
        if isinstance(v, str):
            return frozenset(p.strip() for p in v.split(",") if p.strip())
        return v

    @field_validator("bot_alert_worker", "bot_auto_migrate", mode="before")
    @classmethod
    def _switch(cls, v: Any) -> Any:
        return v.strip().lower() if isinstance(v, str) else v

    @field_validator("bot_timezone")
    @classmethod
    def _known_timezone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(f"BOT_TIMEZONE={v!r} is not an IANA time zone: set it like Europe/Berlin") from None
        return v

    @field_validator("log_format", mode="before")
    @classmethod
    def _format_any_case(cls, v: Any) -> Any:
        return v.strip().lower() if isinstance(v, str) else v

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_any_case(cls, v: Any) -> Any:
        return v.strip().upper() if isinstance(v, str) else v

    @field_validator("database_url")
    @classmethod
    def _database_scheme(cls, v: str) -> str:
        if not v.startswith(("sqlite", "postgresql", "postgres://")):
            raise ValueError("must start with sqlite:// or postgresql://")
        return v

    @property
    def sentry_api_base(self) -> str:
        """`SENTRY_URL` + `/api/0/`, whatever the trailing slashes."""
        return str(self.sentry_url).rstrip("/") + "/api/0/"

    def require(self, *names: str) -> None:
        """Raise ConfigError naming the first of `names` (field names) that is unset."""
        for name in names:
            if getattr(self, name) in (None, ""):
                env = name.upper()
                raise ConfigError(f"{env} is not set: expected {_EXPECTS.get(env, 'a value')}.")


def load_settings(**overrides: Any) -> Settings:
    """Read the configuration, or raise ConfigError with one line naming the variable at fault."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        err = exc.errors()[0]
        env = str(err["loc"][0]).upper() if err["loc"] else "configuration"
        reason = str(err["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{env} is invalid ({reason}): expected {_EXPECTS.get(env, 'a valid value')}.") from None
