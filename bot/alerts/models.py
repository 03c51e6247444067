"""What the alert pipeline carries: alerts and issue changes, and the subscriptions that route them.

Webhook payloads are parsed once (`bot/alerts/parse.py`) into these models; from then on the
router, the sender and the views see only these shapes, stored as JSON between the steps.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "BROADCASTS",
    "DEFAULT_EVENTS",
    "LEVELS",
    "MENTION_EVENTS",
    "Alert",
    "DigestEntry",
    "Drop",
    "EventKind",
    "IssueChange",
    "Subscription",
    "SubscriptionFilters",
]

LEVELS = ("fatal", "error", "warning", "info", "debug")
# `--mention-on`: the moments that ping (`level:<level>` narrows them to those levels).
MENTION_EVENTS = ("new", "regression", "escalation")
# `--broadcast`: the thread replies that also show in the channel.
BROADCASTS = ("regression", "escalation", "resolved")


class EventKind(StrEnum):
    """What a subscription can ask for (`--events`)."""

    ALERT = "alert"  # an alert rule fired (service hook, Sentry App event_alert)
    CREATED = "created"  # a new issue (Sentry App issue.created)
    RESOLVED = "resolved"  # an issue was resolved, reopened or archived: a reply in its thread
    ASSIGNED = "assigned"  # an issue was assigned or unassigned: a reply in its thread
    COMMENT = "comment"  # a comment on an issue: a reply in its thread
    METRIC = "metric"  # a metric alert changed state
    ERROR = "error"  # every error event (Sentry App error.created): opt-in, it is a firehose


class Drop(StrEnum):
    """Why a stored webhook became no Slack call (`webhook_drops.reason`, a metrics label)."""

    NOT_POSTED = "not_posted"  # a resource or action the bot does not post (a deleted comment, ...)
    NO_ID = "no_id"  # no usable issue or metric alert id in it: nothing to thread it under
    NO_SUBSCRIBER = "no_subscriber"  # an alert no channel's subscription wants
    NO_CHANNEL = "no_channel"  # an alert rule chose a channel the bot cannot post in (unknown or paused)
    NO_MESSAGE = "no_message"  # an issue change about an issue no channel has a message for
    ALREADY_SHOWN = "already_shown"  # an issue change every channel shows already (or none asked for)


# Everything but the firehose.
DEFAULT_EVENTS = frozenset(EventKind) - {EventKind.ERROR}


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Alert(_Model):
    """Something to post: an issue alert (one event of one issue) or a metric alert."""

    kind: EventKind
    key: str  # the thread it belongs to in a channel: "issue:<id>" or "metric:<id>"
    projects: tuple[str, ...] = ()  # slugs; metric alerts may span several
    title: str
    issue_id: str | None = None
    short_id: str | None = None
    culprit: str | None = None
    level: str | None = None
    environment: str | None = None
    release: str | None = None
    events: int | None = None  # how many times Sentry has seen the issue
    users: int | None = None
    first_seen: datetime | None = None
    tags: tuple[tuple[str, str], ...] = ()
    link: str | None = None  # the issue (or metric alert) in Sentry
    event_link: str | None = None
    rule: str | None = None  # the alert rule that fired
    status: str | None = None  # unresolved | resolved | ignored; metric: critical | warning | resolved
    assignee: str | None = None
    description: str | None = None  # metric alerts
    # The channels the Sentry alert rule chose for the bot (its alert-rule action's `channel`
    # setting, as saved: a channel id or a name); when set, only these channels get the alert.
    rule_channels: tuple[str, ...] = ()
    # --- mentions, regressions and tags (issue 14) ---
    substatus: str | None = None  # Sentry's: new | ongoing | regressed | escalating | archived_...
    assignee_email: str | None = None  # the assigned member's, to find their Slack user
    assignee_user: str | None = None  # that Slack user's id, when one is linked (routing sets it)
    regression: bool = False  # in this channel: a resolved issue seen again (routing sets it)
    event_tags: tuple[tuple[str, str], ...] = ()  # every tag of the event, for `--tags`

    @property
    def project(self) -> str | None:
        return self.projects[0] if self.projects else None


class DigestEntry(_Model):
    """One issue's line in a storm digest: how many of its alerts folded into the digest."""

    title: str
    short_id: str | None = None
    project: str | None = None
    link: str | None = None
    count: int = 0

    @classmethod
    def of(cls, alert: Alert, count: int = 0) -> DigestEntry:
        return cls(title=alert.title, short_id=alert.short_id, project=alert.project, link=alert.link, count=count)


class IssueChange(_Model):
    """Someone changed or commented on an issue (in Sentry, or with a button in Slack)."""

    kind: EventKind  # RESOLVED, ASSIGNED or COMMENT
    issue_id: str
    action: str  # resolved | unresolved | ignored | assigned | unassigned | commented
    actor: str
    status: str | None = None  # the issue's status after the change, when known
    assignee: str | None = None  # the new assignee, for kind ASSIGNED (None: unassigned)
    text: str | None = None  # the comment
    title: str | None = None
    events: int | None = None
    users: int | None = None
    # --- mentions, regressions (issue 14) ---
    substatus: str | None = None  # the issue's after the change: `regressed` when Sentry reopened it
    assignee_email: str | None = None
    assignee_user: str | None = None  # the new assignee's Slack user, when linked (routing sets it)

    @property
    def key(self) -> str:
        return f"issue:{self.issue_id}"

    @property
    def regression(self) -> bool:
        """Sentry reopened the issue itself: a resolved issue seen again (event_manager
        `_handle_regression` sends `issue.unresolved` with substatus `regressed`)."""
        return self.action == "unresolved" and self.substatus == "regressed"

    @property
    def escalating(self) -> bool:
        """An issue archived until escalating came back (Sentry sends it as `issue.unresolved` too,
        receivers/sentry_apps.py `send_issue_escalating_webhook`)."""
        return self.action == "unresolved" and self.substatus == "escalating"


class SubscriptionFilters(_Model):
    """What one channel wants from one project. Empty `levels`/`environments` mean "all"."""

    levels: frozenset[str] = frozenset()
    environments: frozenset[str] = frozenset()
    events: frozenset[EventKind] = DEFAULT_EVENTS
    threads: bool = True  # repeats of an issue go in the thread of its first message
    # --- mentions, broadcast and tags (issue 14) ---
    mentions: tuple[str, ...] = ()  # Slack mention forms: <@U123>, <!subteam^S123>, <!here>
    mention_on: frozenset[str] = frozenset({"new"})  # MENTION_EVENTS and level:<level>
    broadcast: frozenset[str] = frozenset()  # BROADCASTS
    tags: tuple[str, ...] = ()  # tag keys whose values the alert shows

    def mention_for(self, moment: str, level: str | None) -> tuple[str, ...]:
        """Who to ping for `moment` (one of MENTION_EVENTS) of an alert of `level`: the mentions
        when `--mention-on` names the moment and, if it names levels, the alert's level."""
        if not self.mentions:
            return ()
        levels = {c.removeprefix("level:") for c in self.mention_on if c.startswith("level:")}
        moments = {c for c in self.mention_on if not c.startswith("level:")} or {"new"}
        if moment not in moments or (levels and level not in levels):
            return ()
        return self.mentions

    def matches(self, alert: Alert) -> bool:
        """An alert passes when its kind is wanted and its level and environment are among those
        chosen. A filter only applies to alerts that carry the value: metric alerts have no level,
        and issue webhooks no environment."""
        if alert.kind not in self.events:
            return False
        if self.levels and alert.level is not None and alert.level not in self.levels:
            return False
        return not (self.environments and alert.environment is not None and alert.environment not in self.environments)


class Subscription(_Model):
    id: int
    channel_id: str
    project: str
    filters: SubscriptionFilters = Field(default_factory=SubscriptionFilters)
    created_by: str
    created_at: datetime
    broken_reason: str | None = None  # why alerts stopped (Slack refused the channel); None = working
