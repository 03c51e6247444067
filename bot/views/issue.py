"""The issue card (with its action buttons) and the one-line issue used in lists and digests."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.sentry.models import Assignee, DiscoverTable, EventDetails, ExceptionValue, Issue, IssueDetails, StatPoint
from bot.views import text as t
from bot.views.blocks import ELLIPSIS, Block, context, esc, fields_section, link, message, section, truncate
from bot.views.common import Message, ago, number, or_none
from bot.views.issue_actions import issue_action_buttons
from bot.views.stats import sparkline

__all__ = ["LEVEL_EMOJI", "CardFacts", "issue_card", "issue_line", "platform_tag", "status_words", "tag_tops"]

TITLE_MAX = 250
LINE_TITLE_MAX = 120

LEVEL_EMOJI = {
    "fatal": "🟥",
    "error": "🔴",
    "warning": "🟠",
    "info": "🔵",
    "debug": "⚪",
}

_SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
_SLACK_MENTION = re.compile(r"<@[UW][A-Z0-9]{2,}>")

_UNRESOLVED_SUBSTATUS = {"new": "new", "ongoing": "ongoing", "escalating": "escalating", "regressed": "regressed"}
_CHANGE_BY_STATUS = {"resolved": t.RESOLVED, "ignored": t.ARCHIVED, "unresolved": t.UNRESOLVED}


def _resolved_words(details: dict[str, Any]) -> str:
    if details.get("inNextRelease"):
        return t.RESOLVED_NEXT_RELEASE
    if details.get("inRelease"):
        return t.RESOLVED_IN_RELEASE.format(release=esc(details["inRelease"]))
    commit = details.get("inCommit")
    if isinstance(commit, dict) and commit.get("id"):
        return t.RESOLVED_IN_COMMIT.format(sha=esc(str(commit["id"])[:7]))
    return t.RESOLVED


def _archived_words(substatus: str | None, details: dict[str, Any]) -> str:
    if substatus == "archived_until_escalating" or details.get("ignoreUntilEscalating"):
        return t.ARCHIVED_ESCALATING
    if details.get("ignoreCount"):
        return t.ARCHIVED_EVENTS.format(n=number(details["ignoreCount"]))
    if details.get("ignoreUserCount"):
        return t.ARCHIVED_USERS.format(n=number(details["ignoreUserCount"]))
    if details.get("ignoreUntil"):
        return t.ARCHIVED_UNTIL.format(until=esc(details["ignoreUntil"]))
    if substatus == "archived_forever":
        return t.ARCHIVED_FOREVER
    return t.ARCHIVED


def status_words(issue: Issue) -> str:
    """The status as a person says it: "Resolved in next release", "Archived until escalating"."""
    if issue.status == "resolved":
        return _resolved_words(issue.status_details)
    if issue.status == "ignored":
        return _archived_words(issue.substatus, issue.status_details)
    if issue.status == "unresolved":
        sub = _UNRESOLVED_SUBSTATUS.get(issue.substatus or "")
        return t.UNRESOLVED_SUB.format(sub=sub) if sub else t.UNRESOLVED
    return or_none(issue.status).capitalize()


def _level(level: str | None) -> str:
    if not level:
        return t.NONE
    return f"{LEVEL_EMOJI.get(level, '⚫')} {esc(level)}"


def _assignee(assignee: Assignee | None) -> str:
    if assignee is None:
        return t.UNASSIGNED
    name = assignee.name or assignee.email or assignee.id or ""
    if assignee.type == "team":
        return t.TEAM_ASSIGNEE.format(name=esc(name))
    return esc(name) or t.UNASSIGNED


def _who(changed_by: str) -> str:
    """A Slack user id becomes a mention; a mention stays one; any other name is escaped."""
    if _SLACK_USER_ID.fullmatch(changed_by):
        return f"<@{changed_by}>"
    if _SLACK_MENTION.fullmatch(changed_by):
        return changed_by
    return esc(changed_by)


def _ref(issue: Issue) -> str:
    label = issue.short_id or issue.id
    return link(issue.permalink, label) if issue.permalink else f"*{esc(label)}*"


def _change_line(issue: Issue, changed_by: str | None, note: str | None) -> str | None:
    change = note or _CHANGE_BY_STATUS.get(issue.status or "", t.UPDATED)
    if changed_by:
        return t.CHANGED_BY.format(change=change, who=_who(changed_by))
    return change if note else None


def issue_card(
    issue: Issue,
    *,
    now: datetime,
    changed_by: str | None = None,
    note: str | None = None,
    facts: CardFacts | None = None,
) -> Message:
    """An issue as a card: title, culprit, the facts that matter for triage, and its action buttons.

    With issue details (`IssueDetails`) and `facts`, it also shows what a triager reads first: the
    priority, first and last release, the latest event's exception and top in-app frames, the top
    values of a few tags, the issue's own events over 24 hours and 14 days, and linked tickets.

    Args:
        issue: the issue to show; `IssueDetails` adds releases, tickets and the sparklines.
        now: the time relative ages ("3 hours ago") are measured from.
        changed_by: who just changed it: a Slack user id (`U123`), a mention (`<@U123>`) or a plain
            name (escaped). Adds a context line "Resolved by <@U123>".
        note: what changed, as mrkdwn the caller composed, escaping the outside parts once
            (`esc(name)`), so a mention shows as the person: "assigned to <@U123>",
            "assigned to Dave Kim (dave@acme.example)". Defaults to the issue's status.
        facts: the latest event and the tag counts (`bot.commands.triage` loads them with the issue).
    """
    title = truncate(esc(issue.title or issue.culprit or issue.id), TITLE_MAX)
    blocks = [section(f"{_ref(issue)} · *{title}*")]
    if issue.culprit:
        blocks.append(context(f"`{truncate(esc(issue.culprit), TITLE_MAX)}`"))
    project = issue.project.slug if issue.project else None
    fields = [
        ("Level", _level(issue.level)),
        ("Status", status_words(issue)),
        ("Project", or_none(project)),
        ("Assignee", _assignee(issue.assigned_to)),
        ("Events", number(issue.count)),
        ("Users", number(issue.user_count)),
        ("First seen", ago(issue.first_seen, now)),
        ("Last seen", ago(issue.last_seen, now)),
    ]
    if issue.priority:
        fields.append(("Priority", _priority(issue.priority)))
    if isinstance(issue, IssueDetails) and (issue.first_release or issue.last_release):
        fields.append(("Releases", _releases(issue)))
    blocks.append(fields_section(fields))
    blocks.extend(_triage_blocks(issue, facts or CardFacts()))
    change = _change_line(issue, changed_by, note)
    if change:
        blocks.append(context(change))
    # Sentry scores an issue's fixability only where the organization has Seer: then Root cause is offered.
    seer = issue.seer_fixability_score is not None
    blocks.append(
        issue_action_buttons(issue.id, status=issue.status or "unresolved", permalink=issue.permalink, seer=seer)
    )
    fallback = f"{esc(issue.short_id or issue.id)}: {title}"
    return message(fallback, blocks)


# --- what a triager reads first (issue 13) ----------------------------------------------------------

FRAMES_SHOWN = 3
TAG_VALUES_SHOWN = 3
TICKETS_SHOWN = 5
TICKET_LABEL_MAX = 60
TICKETS_TEXT_MAX = 1800
EXCEPTION_MAX = 400
FRAME_MAX = 180
TAG_VALUE_MAX = 80
# The tag that tells most about where an issue happens, by the issue's platform: browsers for
# browser JavaScript, operating systems elsewhere (server runtimes, mobile, native).
_BROWSER_PLATFORMS = ("javascript",)
_TAG_LABELS = {"release": "Top releases", "environment": "Environments", "browser.name": "Browsers", "os.name": "OS"}
_PRIORITY = {"high": "🔺 High", "medium": "🔸 Medium", "low": "🔹 Low"}


@dataclass(frozen=True)
class CardFacts:
    """What the card shows beyond issue details: the latest event and the issue's tag counts."""

    event: EventDetails | None = None
    tag_counts: DiscoverTable | None = None
    tag_keys: Sequence[str] = field(default_factory=tuple)


def platform_tag(platform: str | None) -> str:
    """`browser.name` for browser JavaScript, `os.name` for everything else."""
    family = (platform or "").split("-")[0]
    return "browser.name" if family in _BROWSER_PLATFORMS else "os.name"


def tag_tops(
    table: DiscoverTable, keys: Sequence[str], *, limit: int = TAG_VALUES_SHOWN
) -> dict[str, list[tuple[str, float]]]:
    """Each key's biggest values with their share of the counted events, from Discover rows that
    count the value combinations of `keys` (`issue_tag_counts`)."""
    totals: dict[str, dict[str, float]] = {key: {} for key in keys}
    overall = 0.0
    for row in table.data:
        count = row.get("count()")
        if not isinstance(count, int | float) or count <= 0:
            continue
        overall += count
        for key in keys:
            value = row.get(key)
            shown = t.NONE if value in (None, "") else str(value)
            totals[key][shown] = totals[key].get(shown, 0) + count
    if overall <= 0:
        return {}
    return {
        key: [(value, n / overall) for value, n in sorted(values.items(), key=lambda kv: -kv[1])[:limit]]
        for key, values in totals.items()
        if values
    }


def _priority(priority: str) -> str:
    return _PRIORITY.get(priority, esc(priority).capitalize())


def _releases(issue: IssueDetails) -> str:
    def name(ref: Any) -> str:
        return esc(truncate(ref.short_version or ref.version, 60)) if ref else t.NONE

    first, last = name(issue.first_release), name(issue.last_release)
    return first if first == last else f"{first} → {last}"


def _code(text: str, limit: int) -> str:
    """Outside text inside a code span: escaped, cut, and without backticks that would end the span."""
    plain = text.replace("`", "'")
    return f"`{truncate(esc(plain), limit)}`"


def _frame_line(frame: Any) -> str:
    where = frame.filename or frame.abs_path or frame.module or "?"
    place = f"{where}:{frame.line_no}" if frame.line_no else where
    line = _code(place, FRAME_MAX)
    return f"{line} in {_code(frame.function, 80)}" if frame.function else line


def _exception_block(exception: ExceptionValue) -> Block:
    head = f"*{esc(truncate(exception.type or 'Error', 120))}*"
    if exception.value:
        head += f": {truncate(esc(exception.value), EXCEPTION_MAX)}"
    in_app = [f for f in exception.frames if f.in_app]
    # Sentry lists frames outermost first; the crash is in the last, so the top frames are read from the end.
    lines = [_frame_line(f) for f in reversed(in_app[-FRAMES_SHOWN:])]
    if not lines:
        lines = [t.NO_IN_APP_FRAMES]
    return section("\n".join([head, *lines]))


def _share(part: float) -> str:
    percent = part * 100
    return "<1%" if 0 < percent < 1 else f"{percent:.0f}%"


def _tags_block(facts: CardFacts) -> Block | None:
    if facts.tag_counts is None:
        return None
    tops = tag_tops(facts.tag_counts, facts.tag_keys)
    fields = [
        (
            _TAG_LABELS.get(key, esc(key)),
            "\n".join(f"{esc(truncate(value, TAG_VALUE_MAX))} · {_share(part)}" for value, part in tops[key]),
        )
        for key in facts.tag_keys
        if tops.get(key)
    ]
    return fields_section(fields, text=t.CARD_TAGS_PERIOD) if fields else None


def _spark(points: Sequence[StatPoint]) -> str:
    counts = [p.count for p in points]
    return f"`{sparkline(counts)}` {number(sum(counts))}" if counts else t.NO_DATA


def _sparkline_block(issue: Issue) -> Block | None:
    day, month = issue.stats.get("24h"), issue.stats.get("30d")
    if not day and not month:
        return None
    # Issue details send 30 daily buckets; the card shows the last 14 (a Slack line fits them).
    return context(t.CARD_SPARKLINES.format(day=_spark(day or []), fortnight=_spark((month or [])[-14:])))


def _label(text: str) -> str:
    return truncate(text, TICKET_LABEL_MAX)


def _tickets(issue: Issue) -> list[str]:
    """Linked tickets, each once: the issue's annotations (trackers' links, on every issue answer), and
    with issue details also the Sentry App links and first-party trackers' issues (`expand`)."""
    found: dict[str, str] = {a.url: a.display_name for a in issue.annotations if a.url}
    if isinstance(issue, IssueDetails):
        for app_link in issue.sentry_app_issues:
            if app_link.web_url:
                found.setdefault(app_link.web_url, app_link.display_name or app_link.web_url)
        for ticket in issue.integration_issues:
            url, label = ticket.get("url"), ticket.get("key") or ticket.get("displayName") or ticket.get("title")
            if isinstance(url, str) and url and label:
                found.setdefault(url, str(label))
    return [link(url, _label(label)) for url, label in found.items()]


def _triage_blocks(issue: Issue, facts: CardFacts) -> list[Block]:
    blocks: list[Block | None] = []
    exceptions = facts.event.exceptions() if facts.event else []
    if exceptions:
        # The last exception of a chain is the one raised last: the one the issue is named for.
        blocks.append(_exception_block(exceptions[-1]))
    blocks.append(_tags_block(facts))
    blocks.append(_sparkline_block(issue))
    tickets = _tickets(issue)
    if tickets:
        # The count first: long links may be cut by the guard, the count never is.
        shown = ", ".join(tickets[:TICKETS_SHOWN]) + (ELLIPSIS if len(tickets) > TICKETS_SHOWN else "")
        blocks.append(context(t.CARD_TICKETS.format(n=len(tickets), tickets=shown)))
    return [b for b in blocks if b is not None]


def issue_line(issue: Issue) -> str:
    """One mrkdwn line: the short id linked to Sentry, the escaped title and the event count."""
    title = truncate(esc(issue.title or issue.culprit or ""), LINE_TITLE_MAX)
    return t.ISSUE_LINE.format(ref=_ref(issue), title=title, count=number(issue.count))
