"""Projects: the list, and one project's card."""

from __future__ import annotations

from datetime import datetime

from bot.sentry.models import Project
from bot.sentry.paging import Page
from bot.views import text as t
from bot.views.blocks import esc, fields_section, message, section, truncate
from bot.views.common import Message, ago, list_message, number, or_none

__all__ = ["project_card", "project_list"]

ENVIRONMENTS_SHOWN = 10


def _teams(project: Project) -> str:
    slugs = [team.slug for team in project.teams] or ([project.team.slug] if project.team else [])
    return ", ".join(f"#{esc(slug)}" for slug in slugs) or t.NONE


def _project_row(project: Project) -> str:
    name = f" · {esc(project.name)}" if project.name and project.name.lower() != project.slug.lower() else ""
    return f"*{esc(project.slug)}*{name} · {or_none(project.platform)} · {_teams(project)}"


def project_list(page: Page[Project], *, command: str) -> Message:
    """One line per project: slug, name, platform, teams."""
    rows = [_project_row(p) for p in page.items]
    return list_message(t.PROJECTS_TITLE, rows, command=command, cursor=page.next_cursor, empty=t.PROJECTS_EMPTY)


def _environments(project: Project) -> str:
    shown = ", ".join(esc(e) for e in project.environments[:ENVIRONMENTS_SHOWN])
    hidden = len(project.environments) - ENVIRONMENTS_SHOWN
    return truncate(f"{shown} (+{hidden})" if hidden > 0 else shown, 1000) or t.NONE


def project_card(project: Project, *, now: datetime) -> Message:
    """Name and slug, then id, platform, teams, status, age, first event and environments."""
    title = f"*{esc(project.name or project.slug)}* (`{esc(project.slug)}`)"
    fields = [
        ("ID", f"`{esc(project.id)}`"),
        ("Platform", or_none(project.platform)),
        ("Teams", _teams(project)),
        ("Status", or_none(project.status)),
        ("Created", ago(project.date_created, now)),
        ("First event", ago(project.first_event, now)),
        ("Environments", _environments(project)),
        ("Features", number(len(project.features))),
    ]
    return message(t.PROJECT.format(slug=esc(project.slug)), [section(title), fields_section(fields)])
