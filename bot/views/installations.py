"""Sentry App installations, and the external issues linked to a Sentry issue through them."""

from __future__ import annotations

from collections.abc import Sequence

from bot.sentry.models import ExternalIssue, Installation
from bot.sentry.paging import Page
from bot.views import text as t
from bot.views.blocks import esc, link, message, section
from bot.views.common import Message, list_message, or_none

__all__ = ["external_issue_card", "external_issue_list", "installation_list"]


def _installation_row(installation: Installation) -> str:
    app = installation.app
    name = app.get("name") or app.get("slug") or app.get("uuid")
    return f"*{or_none(name)}* · `{esc(installation.uuid)}` · {or_none(installation.status)}"


def installation_list(page: Page[Installation], *, command: str) -> Message:
    """One line per installed Sentry App: its name, installation uuid and status."""
    rows = [_installation_row(i) for i in page.items]
    return list_message(
        t.INSTALLATIONS_TITLE, rows, command=command, cursor=page.next_cursor, empty=t.INSTALLATIONS_EMPTY
    )


def _external_link(external: ExternalIssue) -> str:
    label = external.display_name or external.id
    return link(external.web_url, label) if external.web_url else f"*{esc(label)}*"


def _external_row(external: ExternalIssue) -> str:
    return f"`{esc(external.id)}` {_external_link(external)} · {or_none(external.service_type)}"


def external_issue_list(issue_ref: str, links: Sequence[ExternalIssue]) -> Message:
    """One line per linked external issue, led by the id that `/sentry unlink <id>` takes."""
    rows = [_external_row(x) for x in links]
    return list_message(
        t.EXTERNAL_ISSUES_TITLE.format(issue=issue_ref),
        rows,
        command="",
        cursor=None,
        empty=t.EXTERNAL_ISSUES_EMPTY,
        footer=t.EXTERNAL_ISSUES_HINT if rows else None,
    )


def external_issue_card(link: ExternalIssue, *, verb: str, replaced: ExternalIssue | None = None) -> Message:
    """The result of linking an external issue: "🔗 Linked JIRA-1 (jira) · id `123`".

    `replaced` is the link it took the place of (Sentry keeps one per issue and integration).
    """
    line = t.EXTERNAL_ISSUE.format(
        verb=esc(verb), link=_external_link(link), service=or_none(link.service_type), id=esc(link.id)
    )
    if replaced is not None:
        line += "\n" + t.EXTERNAL_ISSUE_REPLACED.format(link=_external_link(replaced))
    return message(line, [section(line)])
