"""Builders for permission tests: one Slack user per role, the services around them, a fake Sentry.

team = Team.build()                         # a user for every role in ROLES
ctx = team.ctx("manager")                   # a request by the manager
reply = await Dispatcher(registry).run("member remove bob@acme.example", ctx)
"""

from __future__ import annotations

import re
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from bot.commands.context import Ctx, Services
from bot.commands.dispatch import Dispatcher, normalize, tokenize
from bot.commands.registry import Command, Registry
from bot.errors import SentryUnavailable, UsageError
from bot.identity import Identity, Who
from bot.sentry.models import Member
from bot.sentry.paging import Page
from bot.settings import Settings
from tests.views import builders as b
from tests.views.builders import NOW

# Sentry's organization roles, plus the two ways of being outside them.
SENTRY_ROLES = ("billing", "member", "admin", "manager", "owner")
ROLES = ("unmapped", *SENTRY_ROLES, "bot_admin")


def user_id(role: str) -> str:
    """The Slack user id of the test user with `role`: `U0MANAGER`."""
    return "U0" + role.replace("_", "").upper()


def email(role: str) -> str:
    # The unmapped user and the bot admin have Slack emails no Sentry member has: BOT_ADMINS must
    # not depend on a Sentry role.
    return f"{role}@elsewhere.example" if role in ("unmapped", "bot_admin") else f"{role}@acme.example"


def member(role: str) -> Member:
    return b.member(email(role), id=f"m-{role}", org_role=role)


def who(role: str) -> Who:
    """The requester `authorize` sees for `role`."""
    return Who(
        user_id=user_id(role),
        email=email(role),
        member=member(role) if role in SENTRY_ROLES else None,
        bot_admin=role == "bot_admin",
    )


class Directory:
    """Slack's directory: user id → email."""

    def __init__(self, emails: dict[str, str]) -> None:
        self.emails = emails

    async def email_of(self, user_id: str) -> str | None:
        return self.emails.get(user_id)


class OfflineSentry:
    """A Sentry client that knows the members (for identity) and answers anything else with 503.

    Enough to reach every command's permission check; an allowed command then fails with a Sentry
    error, which tells "refused" apart from "ran" without a real Sentry.
    """

    def __init__(self, members: list[Member]) -> None:
        self.members = members

    async def list_members(self, **_: Any) -> Page[Member]:
        return b.page(self.members)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        async def unavailable(*_: Any, **__: Any) -> Any:
            raise SentryUnavailable(f"offline test Sentry: {name}")

        return unavailable


@dataclass
class Recorded:
    command: str
    text: str
    result: str
    user_id: str


@dataclass
class RecordingAudit:
    """Stands in for `bot.audit.AuditLog`: remembers what the dispatcher reported."""

    entries: list[Recorded] = field(default_factory=list)

    async def record(self, *, ctx: Ctx, command: Command, text: str, result: str) -> None:
        self.entries.append(Recorded(command.name, text, result, ctx.user_id))


def settings(**overrides: Any) -> Settings:
    fields: dict[str, Any] = {
        "sentry_org": "acme",
        "bot_admins": frozenset({user_id("bot_admin")}),
        "bot_read_policy": "member",
        "bot_audit_channel": None,
    }
    return Settings(_env_file=None, **{**fields, **overrides})  # type: ignore[call-arg]


@dataclass
class Team:
    """A user for every role, and the services that know them."""

    services: Services
    audit: RecordingAudit

    @classmethod
    def build(
        cls,
        *,
        emails: dict[str, str] | None = None,
        overrides: MutableMapping[str, str] | None = None,
        **setting_overrides: Any,
    ) -> Team:
        """Args:
        emails: Slack emails to use instead of the usual ones, by user id.
        overrides: the identity overrides (`Identity(overrides=...)`).
        setting_overrides: Settings fields.
        """
        config = settings(**setting_overrides)
        # Bob is the member the examples act on (`member remove bob@acme.example`), found before confirming.
        bob = b.member("bob@acme.example", id="m-bob", org_role="member")
        sentry: Any = OfflineSentry([*(member(r) for r in SENTRY_ROLES), bob])
        identity = Identity(
            sentry=sentry,
            directory=Directory({**{user_id(r): email(r) for r in ROLES}, **(emails or {})}),
            admins=config.bot_admins,
            overrides=overrides,
        )
        audit = RecordingAudit()
        return cls(Services(settings=config, sentry=sentry, identity=identity, audit=audit), audit)

    def ctx(self, role: str, **changes: Any) -> Ctx:
        return Ctx(services=self.services, user_id=user_id(role), channel_id="C0TEST", now=NOW, **changes)


# How Slack sends a typed `@alice` in a command's text (with "escape users" on): `<@U0ALICE>`.
_TYPED_MENTION = re.compile(r"(?<!\S)@(\w+)")


def sample_text(cmd: Command, registry: Registry) -> str | None:
    """Text that runs `cmd`: the first of its examples that parses (a typed `@name` sent as Slack
    sends a mention), else its bare name; None when nothing parses."""
    dispatcher = Dispatcher(registry)
    typed = [*cmd.examples, cmd.name]
    candidates = [*typed, *(_TYPED_MENTION.sub(lambda m: f"<@U0{m.group(1).upper()}>", t) for t in typed)]
    for text in candidates:
        try:
            found, rest = dispatcher.resolve(tokenize(normalize(text)))
            if found is cmd:
                found.parse(rest)
                return text
        except UsageError:
            continue
    return None
