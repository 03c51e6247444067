"""Subscriptions: the option grammar, the service, and the service hook it creates in Sentry."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from bot.alerts import EventKind, SubscriptionFilters, SubscriptionService, parse_subscription_args
from bot.alerts.hooks import HookSecrets
from bot.alerts.models import DEFAULT_EVENTS
from bot.errors import NotFound, UsageError
from bot.settings import Settings
from bot.store import Database
from tests.alerts.harness import Pipeline, hook_payload, posts
from tests.fakes import FakeSlack

PUBLIC_URL = "https://bot.example.com"
HOOK_URL = "https://bot.example.com/sentry/webhook"


# ---------------------------------------------------------------------- grammar


def test_no_options_means_every_level_environment_and_event_but_the_firehose() -> None:
    filters = parse_subscription_args([])
    assert filters == SubscriptionFilters()
    assert filters.events == DEFAULT_EVENTS
    assert EventKind.ERROR not in filters.events
    assert filters.threads


def test_every_option_parses() -> None:
    filters = parse_subscription_args(
        ["--level", "error,FATAL", "--env=production,staging", "--events", "alert,metric", "--threads", "off"]
    )
    assert filters == SubscriptionFilters(
        levels=frozenset({"error", "fatal"}),
        environments=frozenset({"production", "staging"}),
        events=frozenset({EventKind.ALERT, EventKind.METRIC}),
        threads=False,
    )


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--levle", "error"], "Did you mean `--level`?"),
        (["--level"], "`--level` needs a value"),
        (["--level", "--env", "prod"], "`--level` needs a value"),
        (["--level", "critical"], "does not know `critical`: choose from fatal, error, warning, info, debug"),
        (["--events", "alert,pages"], "does not know `pages`"),
        (["--threads", "maybe"], "`--threads` is `on` or `off`"),
        (["--env", ","], "`--env` needs at least one environment"),
        (["--level", "error", "--level", "fatal"], "given twice"),
        (["production"], "I don't know the option `production`"),
    ],
)
def test_bad_options_say_what_to_type_instead(args: list[str], reason: str) -> None:
    with pytest.raises(UsageError) as err:
        parse_subscription_args(args)
    message = err.value.user_message()
    assert reason in message
    assert "Usage: `/sentry subscribe <project>" in message
    assert "Example: `/sentry subscribe front-end" in message


# ---------------------------------------------------------------------- the service


def settings(public_url: str | None = None) -> Settings:
    return Settings(_env_file=None, bot_public_url=public_url)  # type: ignore[call-arg]


async def test_subscribe_list_and_unsubscribe(db: Database) -> None:
    service = SubscriptionService(db, settings=settings())
    sub = await service.subscribe("C1", "Front-End", parse_subscription_args(["--level", "error"]), created_by="U1")
    await service.subscribe("C1", "api", SubscriptionFilters(), created_by="U2")
    await service.subscribe("C2", "api", SubscriptionFilters(), created_by="U2")

    assert (sub.channel_id, sub.project, sub.created_by, sub.broken_reason) == ("C1", "front-end", "U1", None)
    assert sub.filters.levels == {"error"}
    assert [s.project for s in await service.list("C1")] == ["api", "front-end"]

    assert await service.unsubscribe("C1", "FRONT-END")
    assert not await service.unsubscribe("C1", "front-end")
    assert [s.project for s in await service.list("C1")] == ["api"]
    assert [s.channel_id for s in await service.list("C2")] == ["C2"]


async def test_subscribing_again_replaces_the_filters(db: Database) -> None:
    service = SubscriptionService(db, settings=settings())
    await service.subscribe("C1", "api", parse_subscription_args(["--threads", "off"]), created_by="U1")
    again = await service.subscribe("C1", "api", parse_subscription_args(["--env", "prod"]), created_by="U2")
    (listed,) = await service.list("C1")
    assert listed == again
    assert (listed.filters.threads, listed.filters.environments, listed.created_by) == (True, {"prod"}, "U2")


async def test_a_project_that_is_not_a_slug_is_refused(db: Database) -> None:
    service = SubscriptionService(db, settings=settings())
    with pytest.raises(UsageError, match="not a project slug"):
        await service.subscribe("C1", "<!channel>", SubscriptionFilters(), created_by="U1")


# ---------------------------------------------------------------------- service hooks


@dataclass
class Hook:
    id: str
    url: str
    secret: str | None
    events: list[str] = field(default_factory=list)


@dataclass
class FakeSentryHooks:
    """Sentry's service hook endpoints, as the subscription service sees them."""

    hooks: dict[str, list[Hook]] = field(default_factory=dict)
    created: list[tuple[str, str, list[str]]] = field(default_factory=list)
    missing: set[str] = field(default_factory=set)

    async def list_hooks(self, project: str) -> list[Hook]:
        if project in self.missing:
            raise NotFound("The requested resource does not exist")
        return list(self.hooks.get(project, []))

    async def create_hook(self, project: str, url: str, events: list[str]) -> Hook:
        self.created.append((project, url, list(events)))
        hook = Hook(id=f"guid{len(self.created)}", url=url, secret=f"secret-of-{project}", events=list(events))
        self.hooks.setdefault(project, []).append(hook)
        return hook


async def test_subscribing_creates_a_hook_and_its_deliveries_verify(fake_slack: FakeSlack, db: Database) -> None:
    sentry = FakeSentryHooks(hooks={"front-end": [Hook("other", "https://elsewhere.example/hook", "s")]})
    async with Pipeline.start(fake_slack, db, sentry=sentry, public_url=PUBLIC_URL + "/", hook_secrets={}) as p:
        await p.subscribe("C1", "front-end")
        await p.subscribe("C2", "front-end")  # the hook exists now: not created twice
        assert sentry.created == [("front-end", HOOK_URL, ["event.alert"])]

        assert await p.service_hook(hook_payload(), guid="guid1", secret="secret-of-front-end") == 200
        await p.drained()
        assert [len(posts(fake_slack, c)) for c in ("C1", "C2")] == [1, 1]


async def test_an_existing_hook_to_the_bot_is_reused_and_its_secret_kept(db: Database) -> None:
    sentry = FakeSentryHooks(hooks={"api": [Hook("guid-api", HOOK_URL + "/", "listed-secret")]})
    service = SubscriptionService(db, settings=settings(PUBLIC_URL), sentry=sentry)
    await service.subscribe("C1", "api", SubscriptionFilters(), created_by="U1")
    assert sentry.created == []
    assert await HookSecrets(db, configured={}).get("guid-api") == "listed-secret"


async def test_no_hook_without_a_public_url_or_without_alert_events(db: Database) -> None:
    sentry = FakeSentryHooks()
    await SubscriptionService(db, settings=settings(), sentry=sentry).subscribe(
        "C1", "api", SubscriptionFilters(), created_by="U1"
    )
    metric_only = parse_subscription_args(["--events", "metric"])
    await SubscriptionService(db, settings=settings(PUBLIC_URL), sentry=sentry).subscribe(
        "C1", "web", metric_only, created_by="U1"
    )
    assert sentry.created == []


async def test_an_unknown_project_is_a_usage_error_and_nothing_is_saved(db: Database) -> None:
    sentry = FakeSentryHooks(missing={"nope"})
    service = SubscriptionService(db, settings=settings(PUBLIC_URL), sentry=sentry)
    with pytest.raises(UsageError, match="Sentry has no project `nope`"):
        await service.subscribe("C1", "nope", SubscriptionFilters(), created_by="U1")
    assert await service.list("C1") == []
