"""The issue card (with its action buttons) and the one-line issue used in lists and digests."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from bot.sentry.models import Assignee, Issue
from bot.views import text as t
from bot.views.blocks import context, esc, fields_section, link, message, section, truncate
from bot.views.common import Message, ago, number, or_none
from bot.views.issue_actions import issue_action_buttons

__all__ = ["LEVEL_EMOJI", "issue_card", "issue_line", "status_words"]

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


def issue_card(issue: Issue, *, now: datetime, changed_by: str | None = None, note: str | None = None) -> Message:
    """An issue as a card: title, culprit, the facts that matter for triage, and its action buttons.

    Args:
        issue: the issue to show.
        now: the time relative ages ("3 hours ago") are measured from.
        changed_by: who just changed it: a Slack user id (`U123`), a mention (`<@U123>`) or a plain
            name (escaped). Adds a context line "Resolved by <@U123>".
        note: what changed, as mrkdwn the caller composed, escaping the outside parts once
            (`esc(name)`), so a mention shows as the person: "assigned to <@U123>",
            "assigned to Dave Kim (dave@acme.example)". Defaults to the issue's status.
    """
    title = truncate(esc(issue.title or issue.culprit or issue.id), TITLE_MAX)
    blocks = [section(f"{_ref(issue)} · *{title}*")]
    if issue.culprit:
        blocks.append(context(f"`{truncate(esc(issue.culprit), TITLE_MAX)}`"))
    project = issue.project.slug if issue.project else None
    blocks.append(
        fields_section(
            [
                ("Level", _level(issue.level)),
                ("Status", status_words(issue)),
                ("Project", or_none(project)),
                ("Assignee", _assignee(issue.assigned_to)),
                ("Events", number(issue.count)),
                ("Users", number(issue.user_count)),
                ("First seen", ago(issue.first_seen, now)),
                ("Last seen", ago(issue.last_seen, now)),
            ]
        )
    )
    if issue.annotations:
        blocks.append(context(_tickets_line(issue)))
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


def _tickets_line(issue: Issue) -> str:
    """The tickets linked through trackers (Jira, GitHub...), as Sentry lists them on the issue."""
    shown = [link(a.url, a.display_name) for a in issue.annotations[:10]]
    more = len(issue.annotations) - len(shown)
    return "🎫 " + ", ".join(shown) + (f" (+{more})" if more > 0 else "")


def issue_line(issue: Issue) -> str:
    """One mrkdwn line: the short id linked to Sentry, the escaped title and the event count."""
    title = truncate(esc(issue.title or issue.culprit or ""), LINE_TITLE_MAX)
    return t.ISSUE_LINE.format(ref=_ref(issue), title=title, count=number(issue.count))
