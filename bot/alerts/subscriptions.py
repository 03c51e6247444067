"""Which channels want which project's alerts: the service behind `/sentry subscribe`.

    service = SubscriptionService(db, settings=settings, sentry=sentry_client)
    filters = parse_subscription_args(["--level", "error,fatal", "--threads", "off"])
    sub = await service.subscribe("C123", "front-end", filters, created_by="U123")

With `BOT_PUBLIC_URL` set, subscribing makes sure the project has a service hook that posts to
`{BOT_PUBLIC_URL}/sentry/webhook`, creating one if needed and keeping its secret.
"""

from __future__ import annotations

import difflib
import logging
import re
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import delete, select

from bot.alerts import hold
from bot.alerts.hooks import HookSecrets
from bot.alerts.models import BROADCASTS, LEVELS, MENTION_EVENTS, EventKind, Subscription, SubscriptionFilters
from bot.alerts.receiver import WEBHOOK_PATH
from bot.errors import NotFound, UsageError
from bot.settings import Settings
from bot.store import Database
from bot.store.alerts import subscriptions

__all__ = [
    "SUBSCRIBE_EXAMPLE",
    "SUBSCRIBE_USAGE",
    "HookClient",
    "ServiceHookLike",
    "SubscriptionService",
    "parse_subscription_args",
    "subscription_from_row",
]

log = logging.getLogger(__name__)

SUBSCRIBE_USAGE = (
    "/sentry subscribe <project> [--level error,fatal] [--env production] "
    "[--events alert,created,resolved,assigned,comment,metric,error] [--threads on|off] "
    "[--mention @user|@group|here] [--mention-on new,regression,escalation,level:fatal] "
    "[--broadcast regression,escalation,resolved] [--tags release,browser]"
)
SUBSCRIBE_EXAMPLE = "/sentry subscribe front-end --level error,fatal --env production --threads on"
# The service hook event the bot asks Sentry for: alert rules firing, not every event.
HOOK_EVENTS = ["event.alert"]

_PROJECT_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}")
_OPTIONS = ("--level", "--env", "--events", "--threads", "--mention", "--mention-on", "--broadcast", "--tags")
_ON_OFF = {"on": True, "off": False, "yes": True, "no": False, "true": True, "false": False}


class ServiceHookLike(Protocol):
    """What the bot reads of a Sentry service hook (`bot.sentry.models.ServiceHook` fits)."""

    @property
    def id(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def secret(self) -> str | None: ...


class HookClient(Protocol):
    """The two Sentry calls subscribing needs (`bot.sentry.SentryClient` provides them)."""

    async def list_hooks(self, project: str) -> Iterable[ServiceHookLike]: ...
    async def create_hook(self, project: str, url: str, events: Sequence[str]) -> ServiceHookLike: ...


def _usage(reason: str) -> UsageError:
    return UsageError(reason, usage=SUBSCRIBE_USAGE, example=SUBSCRIBE_EXAMPLE)


def _values(option: str, raw: str, allowed: Iterable[str]) -> frozenset[str]:
    chosen = [v.strip().lower() for v in raw.split(",") if v.strip()]
    allowed = list(allowed)
    if bad := [v for v in chosen if v not in allowed]:
        raise _usage(f"`{option}` does not know {', '.join(f'`{b}`' for b in bad)}: choose from {', '.join(allowed)}.")
    if not chosen:
        raise _usage(f"`{option}` needs at least one value.")
    return frozenset(chosen)


def parse_subscription_args(args: Sequence[str]) -> SubscriptionFilters:
    """The options after `/sentry subscribe <project>`, as filters; UsageError (with usage and an
    example) for anything else. `--name value` and `--name=value` both work."""
    found: dict[str, str] = {}
    tokens = list(args)
    while tokens:
        token = tokens.pop(0)
        name, eq, inline = token.partition("=")
        if name not in _OPTIONS:
            guess = difflib.get_close_matches(name, _OPTIONS, n=1)
            hint = f" Did you mean `{guess[0]}`?" if guess else ""
            raise _usage(f"I don't know the option `{token}`.{hint}")
        if name in found:
            raise _usage(f"`{name}` is given twice.")
        if not eq:
            if not tokens or tokens[0].startswith("--"):
                raise _usage(f"`{name}` needs a value.")
            inline = tokens.pop(0)
        found[name] = inline
    filters: dict[str, Any] = {}
    if "--level" in found:
        filters["levels"] = _values("--level", found["--level"], LEVELS)
    if "--env" in found:
        # Environments are the project's own names: any value goes, as Sentry spells it.
        envs = frozenset(e.strip() for e in found["--env"].split(",") if e.strip())
        if not envs:
            raise _usage("`--env` needs at least one environment.")
        filters["environments"] = envs
    if "--events" in found:
        filters["events"] = frozenset(EventKind(v) for v in _values("--events", found["--events"], EventKind))
    if "--threads" in found:
        value = found["--threads"].strip().lower()
        if value not in _ON_OFF:
            raise _usage("`--threads` is `on` or `off`.")
        filters["threads"] = _ON_OFF[value]
    filters |= _mention_options(found)
    return SubscriptionFilters(**filters)


# --- mentions, broadcast and tags (issue 14) ----------------------------------------------------

# What `--mention` takes once Slack's encoding is undone (bot.slack.text.from_slack keeps only the
# id: `<@U123|bob>` -> `<@U123>`, `<!subteam^S123|@oncall>` -> `<!subteam^S123>`). User ids start
# with U or W (Enterprise Grid), user group ids with S (api.slack.com/reference/surfaces/formatting,
# "Mentioning users" and "Mentioning groups").
_USER_MENTION = re.compile(r"<@[UW][A-Z0-9]{2,20}>")
_GROUP_MENTION = re.compile(r"<!subteam\^S[A-Z0-9]{2,20}>")
_HERE = ("here", "@here", "<!here>")
MAX_MENTIONS = 10
# A tag key as Sentry accepts it (at most 32 characters: letters, digits, `_ . : -`).
_TAG_KEY = re.compile(r"[A-Za-z0-9_.:-]{1,32}")
MAX_TAGS = 10  # one section of fields holds 10


def _mention(raw: str) -> str:
    """One `--mention` value in the form Slack's mrkdwn pings with; UsageError naming what to type."""
    value = raw.strip()
    if value.lower() in _HERE:
        return "<!here>"
    if _USER_MENTION.fullmatch(value) or _GROUP_MENTION.fullmatch(value):
        return value
    raise _usage(
        f"`--mention` takes a person or a user group picked from Slack's list as you type `@`, or `here`; "
        f"`{value}` is neither (Slack sends a name it did not recognise as plain text). "
        "Type `--mention @` and pick from the list, e.g. `--mention @oncall`."
    )


def _mention_options(found: dict[str, str]) -> dict[str, Any]:
    filters: dict[str, Any] = {}
    if "--mention" in found:
        mentions = tuple(dict.fromkeys(_mention(v) for v in found["--mention"].split(",") if v.strip()))
        if not mentions:
            raise _usage("`--mention` needs someone to ping: `@person`, `@group` or `here`.")
        if len(mentions) > MAX_MENTIONS:
            raise _usage(f"`--mention` pings at most {MAX_MENTIONS} people or groups; use a user group for more.")
        filters["mentions"] = mentions
    if "--mention-on" in found:
        if "--mention" not in found:
            raise _usage("`--mention-on` says when to ping: add `--mention @person` to say whom.")
        allowed = [*MENTION_EVENTS, *(f"level:{level}" for level in LEVELS)]
        filters["mention_on"] = _values("--mention-on", found["--mention-on"], allowed)
    if "--broadcast" in found:
        filters["broadcast"] = _values("--broadcast", found["--broadcast"], BROADCASTS)
    if "--tags" in found:
        keys = tuple(dict.fromkeys(k.strip() for k in found["--tags"].split(",") if k.strip()))
        if bad := [k for k in keys if not _TAG_KEY.fullmatch(k)]:
            raise _usage(f"`{bad[0][:40]}` is not a tag key (letters, digits, `_ . : -`, at most 32 characters).")
        if not keys:
            raise _usage("`--tags` needs at least one tag key, e.g. `--tags release,browser`.")
        if len(keys) > MAX_TAGS:
            raise _usage(f"`--tags` shows at most {MAX_TAGS} tags.")
        filters["tags"] = keys
    return filters


class SubscriptionService:
    """Subscriptions of channels to projects, kept in the database.

    Args:
        db: the store.
        settings: BOT_PUBLIC_URL (where hooks must point) and the configured hook secrets.
        sentry: creates and lists service hooks; None leaves hooks to the operator.
    """

    def __init__(self, db: Database, *, settings: Settings, sentry: HookClient | None = None) -> None:
        self._db = db
        self._sentry = sentry
        public = settings.bot_public_url
        self._hook_url = str(public).rstrip("/") + WEBHOOK_PATH if public else None
        self._secrets = HookSecrets(db, configured=settings.sentry_service_hook_secrets)

    async def subscribe(
        self, channel_id: str, project: str, filters: SubscriptionFilters, *, created_by: str
    ) -> Subscription:
        """Subscribe (or re-subscribe, replacing the filters and clearing a pause) a channel to a project."""
        project = project.strip().lower()
        if not _PROJECT_SLUG.fullmatch(project):
            raise _usage(f"`{project}` is not a project slug (lowercase letters, digits, - and _).")
        if EventKind.ALERT in filters.events:
            await self._ensure_hook(project)
        values = {
            "levels": sorted(filters.levels),
            "environments": sorted(filters.environments),
            "events": sorted(filters.events),
            "threads": filters.threads,
            "mentions": list(filters.mentions),
            "mention_on": sorted(filters.mention_on),
            "broadcast": sorted(filters.broadcast),
            "tags": list(filters.tags),
            "created_by": created_by,
            "created_at": time.time(),
            "broken_reason": None,
            "broken_at": None,
        }
        stmt = self._db.insert(subscriptions).values(channel_id=channel_id, project=project, **values)
        stmt = stmt.on_conflict_do_update(index_elements=["channel_id", "project"], set_=values)
        async with self._db.transaction() as conn:
            await conn.execute(stmt)
            row = (
                await conn.execute(
                    select(subscriptions).where(
                        subscriptions.c.channel_id == channel_id, subscriptions.c.project == project
                    )
                )
            ).one()
        log.info("alerts.subscribed", extra={"channel": channel_id, "project": project, "by": created_by})
        return subscription_from_row(row._mapping)

    async def unsubscribe(self, channel_id: str, project: str) -> bool:
        """False when the channel was not subscribed to the project."""
        async with self._db.transaction() as conn:
            result = await conn.execute(
                delete(subscriptions).where(
                    subscriptions.c.channel_id == channel_id, subscriptions.c.project == project.strip().lower()
                )
            )
        return bool(result.rowcount)

    async def list(self, channel_id: str) -> list[Subscription]:
        return [*await self.in_channels([channel_id])]

    async def in_channels(self, channel_ids: Sequence[str]) -> Sequence[Subscription]:
        """The subscriptions of all of `channel_ids`, by channel then project (the Home tab's list)."""
        if not channel_ids:
            return []
        async with self._db.read() as conn:
            rows = await conn.execute(
                select(subscriptions)
                .where(subscriptions.c.channel_id.in_(list(channel_ids)))
                .order_by(subscriptions.c.channel_id, subscriptions.c.project)
            )
            return [subscription_from_row(r._mapping) for r in rows]

    async def delivery_problem(self, now: float) -> str | None:
        """Why no alert reaches Slack right now (Slack refuses the bot's token), in one line; None when
        deliveries flow."""
        return await hold.problem(self._db, now)

    async def _ensure_hook(self, project: str) -> None:
        if self._sentry is None or self._hook_url is None:
            return
        try:
            hooks = list(await self._sentry.list_hooks(project))
        except NotFound:
            raise _usage(f"Sentry has no project `{project}` (or the bot's token cannot see it).") from None
        ours = [h for h in hooks if h.url.rstrip("/") == self._hook_url]
        if ours:
            hook = ours[0]
            # Sentry shows a hook's secret in its listing: keep it, so its deliveries verify.
            if hook.secret and await self._secrets.get(hook.id) is None:
                await self._secrets.save(hook.id, project=project, url=hook.url, secret=hook.secret)
            return
        hook = await self._sentry.create_hook(project, self._hook_url, HOOK_EVENTS)
        if not hook.secret:
            log.warning("alerts.hook.no-secret", extra={"project": project, "hook": hook.id})
            return
        await self._secrets.save(hook.id, project=project, url=hook.url, secret=hook.secret)
        log.info("alerts.hook.created", extra={"project": project, "hook": hook.id})


def subscription_from_row(row: Any) -> Subscription:
    return Subscription(
        id=row["id"],
        channel_id=row["channel_id"],
        project=row["project"],
        filters=SubscriptionFilters(
            levels=frozenset(row["levels"]),
            environments=frozenset(row["environments"]),
            events=frozenset(EventKind(e) for e in row["events"]),
            threads=row["threads"],
            # NULL in rows stored before these options existed: the defaults.
            mentions=tuple(row["mentions"] or ()),
            mention_on=frozenset(row["mention_on"] or ("new",)),
            broadcast=frozenset(row["broadcast"] or ()),
            tags=tuple(row["tags"] or ()),
        ),
        created_by=row["created_by"],
        created_at=datetime.fromtimestamp(row["created_at"], UTC),
        broken_reason=row["broken_reason"],
    )
