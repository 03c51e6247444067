"""Issue lists (`issues`, `mine`, `unassigned`): one row per issue, each with a menu to act on it.

A row is a section: the level, the short ID linked to Sentry, the title (escaped, shortened), then
the events and users in the period, when it was last seen and who has it. Its overflow menu opens
the card, resolves (or reopens), archives or assigns the issue to whoever clicks; the option values
carry the issue's id, and the click runs the same command the user could type.

Slack allows 50 blocks a message: the first `OWN_ROWS` rows get a section (and a menu) each, and any
further rows of a bigger page are packed, as plain lines, into the blocks left.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.sentry.models import Assignee, IssueSummary
from bot.sentry.paging import Page
from bot.views import text as t
from bot.views.blocks import LIMITS, Block, actions, context, esc, header, link, message, section, truncate
from bot.views.common import Message, ago, more_button, number, row_blocks
from bot.views.issue import LEVEL_EMOJI
from bot.views.routing import Action, encode

__all__ = ["OWN_ROWS", "ROW_TITLE_MAX", "IssueListing", "issue_list", "row_menu"]

ROW_TITLE_MAX = 100
# Header, what was searched, and the More row leave 47 blocks; 20 rows keep the message short to read.
OWN_ROWS = 20
# Slack's option object: `value` up to 150 characters (Block Kit reference, "Option object").
OPTION_VALUE_MAX = 150


@dataclass(frozen=True)
class IssueListing:
    """What a list shows, prepared by the command.

    Args:
        title: plain words for the header ("Issues", "Assigned to you").
        searched: mrkdwn (outside parts escaped) saying what was searched, shown under the header.
        page: the issues of this page, and the cursor of the next one.
        period: the period the counts are for ("24h", "14d").
        command: the command text that made the list; More runs it again from the next cursor.
        empty: mrkdwn shown when nothing matched: what was searched and what to try next.
        assignees: how to name each assigned user, by Sentry user id (`lookup.member_label`).
    """

    title: str
    searched: str
    page: Page[IssueSummary]
    period: str
    command: str
    empty: str
    assignees: Mapping[str, str] = field(default_factory=dict)


def _assignee(assignee: Assignee | None, labels: Mapping[str, str]) -> str:
    if assignee is None:
        return t.UNASSIGNED
    if assignee.type == "team":
        return t.TEAM_ASSIGNEE.format(name=esc(assignee.name or assignee.id or ""))
    label = labels.get(assignee.id or "") or assignee.name or assignee.email or assignee.id
    return esc(label) if label else t.UNASSIGNED


def _ref(issue: IssueSummary) -> str:
    label = issue.short_id or issue.id
    return link(issue.permalink, label) if issue.permalink else f"*{esc(label)}*"


def _row(issue: IssueSummary, listing: IssueListing, now: datetime) -> str:
    level = issue.level or "unknown"
    title = esc(
        truncate(issue.title or issue.culprit or issue.id, ROW_TITLE_MAX)
    )  # cut before escaping: never mid-entity
    facts = t.ISSUE_ROW_FACTS.format(
        level=esc(level),
        events=number(issue.count),
        users=number(issue.user_count),
        period=esc(listing.period),
        seen=ago(issue.last_seen, now),
        assignee=_assignee(issue.assigned_to, listing.assignees),
    )
    return f"{LEVEL_EMOJI.get(level, '⚫')} {_ref(issue)} *{title}*\n{facts}"


def _option(text: str, do: str, issue_id: str) -> Block:
    value = encode(do=do, issue=issue_id)
    assert len(value) <= OPTION_VALUE_MAX, value  # issue ids are digits: far below the limit
    return {"text": {"type": "plain_text", "text": text, "emoji": True}, "value": value}


def row_menu(issue: IssueSummary) -> Block:
    """The row's overflow menu: open the card, resolve or reopen, archive, assign to me."""
    closed = issue.status in ("resolved", "ignored")
    options = [
        _option(t.ROW_OPEN, "open", issue.id),
        _option(t.ROW_UNRESOLVE, "unresolve", issue.id) if closed else _option(t.ROW_RESOLVE, "resolve", issue.id),
        _option(t.ROW_ARCHIVE, "archive", issue.id),
        _option(t.ROW_ASSIGN_ME, "assign_me", issue.id),
    ]
    return {"type": "overflow", "action_id": Action.ROW, "options": options}


def issue_list(listing: IssueListing, *, now: datetime) -> Message:
    """A header, what was searched, a row per issue (with its menu), then More when there are more."""
    title = esc(listing.title)
    more = more_button(listing.command, listing.page.next_cursor)
    if more is not None and len(more["value"]) > LIMITS["value"]:
        more = None  # a cut value would run another command; the line below says how to page instead
    blocks: list[Block] = [header(title), context(listing.searched)]
    issues = listing.page.items
    if not issues:
        blocks.append(section(listing.empty))
        return message(f"{title}: {listing.empty}", blocks)
    tail = 1 if more is not None or listing.page.next_cursor else 0
    room = LIMITS["blocks"] - len(blocks) - tail
    own = issues[:OWN_ROWS]
    blocks.extend(section(_row(issue, listing, now), accessory=row_menu(issue)) for issue in own)
    rest = [_row(issue, listing, now).replace("\n", " · ") for issue in issues[len(own) :]]
    if rest:
        blocks.extend(row_blocks(rest, room=room - len(own)))
    if more is not None:
        blocks.append(actions(more))
    elif listing.page.next_cursor:
        blocks.append(context(t.ISSUES_TOO_LONG_TO_PAGE))
    shown = t.ISSUES_SHOWN.format(n=number(len(issues)), more="+" if listing.page.next_cursor else "")
    return message(f"{title} ({shown})", blocks)
