"""What a command receives (`Ctx`) and what it returns (`Reply`); no Slack types here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from bot.charts import ChartSpec
from bot.sentry.client import SentryClient
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.identity import Identity

__all__ = ["Ctx", "Directory", "Reply", "Services"]

Message = dict[str, Any]


class Directory(Protocol):
    """Who a chat user is, as far as the chat platform knows."""

    async def email_of(self, user_id: str) -> str | None: ...


@dataclass(frozen=True)
class Reply:
    """A command's answer. Ephemeral unless `in_channel`; `shareable` adds "Share in channel".

    `chart`: the answer's numbers as a chart, drawn only when someone clicks "Post chart in channel"
    (an ephemeral answer cannot carry an image).
    """

    message: Message
    in_channel: bool = False
    shareable: bool = False
    replace_original: bool = False
    chart: ChartSpec | None = None
    # A modal to show instead of the message where the transport can (the ticket form); `message`
    # stays the answer where it cannot.
    modal: dict[str, Any] | None = None
    # Sentry's refusal of a write, by field (`{"title": ["This field is required."]}`), so a form can
    # show each next to its input.
    field_errors: Mapping[str, Sequence[str]] | None = None


@dataclass
class Services:
    """Long-lived collaborators, built once at start and shared by every request."""

    settings: Settings
    sentry: SentryClient
    identity: Identity
    subscriptions: Any = None
    alerts: Any = None  # receives issue changes made from Slack, to sync alert messages
    audit: Any = None
    store: Any = None
    seer: Any = None  # follows Seer runs and posts them into threads (bot.seer.SeerRuns)


@dataclass(frozen=True)
class Ctx:
    """One request: who asked, where, and the services to answer with."""

    services: Services
    user_id: str
    channel_id: str
    now: datetime
    team_id: str | None = None
    command_text: str = ""
    cursor: str | None = None
    confirmed: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def sentry(self) -> SentryClient:
        return self.services.sentry

    @property
    def settings(self) -> Settings:
        return self.services.settings

    def but(self, **changes: Any) -> Ctx:
        return replace(self, **changes)
