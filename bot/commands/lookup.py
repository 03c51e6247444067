"""Naming what Sentry could not find, with near matches, and who may be assigned an issue.

Sentry's 404 says only "The requested resource does not exist". These helpers turn it into an answer
that names the missing thing and suggests the closest known names, from the (cached) lists.
"""

from __future__ import annotations

import difflib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.commands.context import Ctx
from bot.errors import NotFound, UsageError
from bot.sentry.models import Integration, Issue, Member, Team

__all__ = [
    "Assignable",
    "assignable",
    "check_teams",
    "did_you_mean",
    "integration_label",
    "member_label",
    "missing",
    "missing_project",
    "naming",
    "project_slugs",
]

_SHOWN = 10


def did_you_mean(typed: str, names: Iterable[str]) -> list[str]:
    """Up to three known names close to `typed` (case-insensitive), closest first.

    Emails are compared by their part before the `@`, among those whose domain is close to the one
    typed: a shared domain would make every address look like every other.
    """
    known = {n.lower(): n for n in names if n}
    wanted = typed.lower()
    if "@" in wanted:
        local, _, domain = wanted.partition("@")
        by_local: dict[str, list[str]] = {}
        for key in known:
            other_local, _, other_domain = key.partition("@")
            if difflib.SequenceMatcher(None, domain, other_domain).ratio() >= 0.8:
                by_local.setdefault(other_local, []).append(key)
        close_locals = difflib.get_close_matches(local, list(by_local), n=3, cutoff=0.6)
        return [known[k] for name in close_locals for k in by_local[name]][:3]
    close = difflib.get_close_matches(wanted, list(known), n=3, cutoff=0.5)
    prefixed = [k for k in known if k.startswith(wanted) and k not in close] if typed else []
    return [known[k] for k in (close + prefixed)[:3]]


def missing(
    kind: str,
    typed: str,
    names: Iterable[str],
    *,
    usage: str,
    example: str | None = None,
    labels: Mapping[str, str] | None = None,
    where: str = "",
) -> UsageError:
    """Says "there is no <kind> `typed`", with near matches, or the known names when none is near.

    `labels` says how to show a known name (an id with what it is, say); `where` follows the name
    (" in `web`").
    """
    known = sorted(set(names), key=str.lower)
    near = did_you_mean(typed, known)

    def show(name: str) -> str:
        return f"`{name}`" + (f" {labels[name]}" if labels and name in labels else "")

    text = f"There is no {kind} `{typed}`{where}."
    if near:
        text += " Did you mean " + " or ".join(show(n) for n in near) + "?"
    elif known:
        more = f" (and {len(known) - _SHOWN} more)" if len(known) > _SHOWN else ""
        text += " Known: " + ", ".join(show(n) for n in known[:_SHOWN]) + more + "."
    return UsageError(text, usage=usage, example=example)


@asynccontextmanager
async def naming(explain: Callable[[], Awaitable[UsageError]]) -> AsyncIterator[None]:
    """Inside the block, Sentry's bare 404 becomes `explain()`'s answer naming what is missing.

    async with naming(lambda: missing_project(ctx, slug, usage="/sentry users <project>")):
        page = await ctx.sentry.list_project_users(slug)
    """
    try:
        yield
    except NotFound:
        raise (await explain()) from None


async def project_slugs(ctx: Ctx) -> list[str]:
    return [p.slug for p in await ctx.sentry.list_projects(max_pages=10)]


async def missing_project(ctx: Ctx, typed: str, *, usage: str, example: str | None = None) -> UsageError:
    return missing("project", typed, await project_slugs(ctx), usage=usage, example=example)


async def check_teams(ctx: Ctx, slugs: Iterable[str], *, usage: str, example: str | None = None) -> None:
    """Refuse, with near matches, team slugs the organization does not have (Sentry would refuse them)."""
    known = [t.slug for t in await ctx.sentry.list_teams(max_pages=10)]
    for slug in slugs:
        if slug not in known:
            raise missing("team", slug, known, usage=usage, example=example)


def integration_label(integration: Integration) -> str:
    """An installed integration as its settings page names it: "GitHub acme-org (id 130413)"."""
    provider = integration.provider.name or integration.provider.key if integration.provider else ""
    name = " ".join(part for part in (provider, integration.name) if part) or "integration"
    return f"{name} (id {integration.id})"


def member_label(member: Member) -> str:
    """A member as people know them: name and email, or whichever exists."""
    user = member.user
    name = member.name or (user.name if user else None)
    email = member.email or (user.email if user else None)
    if name and email and name != email:
        return f"{name} <{email}>"
    return name or email or f"member {member.id}"


@dataclass(frozen=True)
class Assignable:
    """Who Sentry lets take an issue: members of the project's teams (with a user), and those teams."""

    project: str
    team_slugs: tuple[str, ...]
    members: tuple[Member, ...]
    teams: tuple[Team, ...]

    def names(self) -> list[str]:
        return [m.email or member_label(m) for m in self.members] + [f"team:{t.slug}" for t in self.teams]

    def member_by_email(self, email: str) -> Member | None:
        wanted = email.lower()
        return next((m for m in self.members if wanted in {(m.email or "").lower(), _user_email(m)}), None)

    def member_by_user_id(self, user_id: str) -> Member | None:
        return next((m for m in self.members if m.user is not None and m.user.id == user_id), None)

    def team(self, slug_or_id: str) -> Team | None:
        return next((t for t in self.teams if slug_or_id in (t.slug, t.id)), None)

    def refusal(self, typed: str, issue: str) -> UsageError:
        """The answer for a target Sentry would refuse (`Cannot assign to non-team member`)."""
        teams = ", ".join(f"#{s}" for s in self.team_slugs) or "no team"
        near = [n for n in did_you_mean(typed, self.names()) if n.lower() != typed.lower()]
        text = (
            f"`{typed}` can't be assigned {issue}: Sentry assigns an issue only to members of its project's "
            f"teams ({teams} for `{self.project}`) and to those teams."
        )
        if near:
            text += " Did you mean " + " or ".join(f"`{n}`" for n in near) + "?"
        elif self.names():
            text += " Who can be: " + ", ".join(f"`{n}`" for n in self.names()[:_SHOWN]) + "."
        return UsageError(text, usage="/sentry assign <issue> <@user | email | team:slug | me | none>")


def _user_email(member: Member) -> str:
    return (member.user.email or "").lower() if member.user is not None else ""


async def assignable(ctx: Ctx, issue: Issue) -> Assignable:
    """Who may be assigned `issue`, as Sentry decides (its issue validator's `validate_assignedTo`)."""
    slug = issue.project.slug if issue.project else ""
    project = await ctx.sentry.get_project(slug)
    team_slugs = tuple(t.slug for t in project.teams) or ((project.team.slug,) if project.team else ())
    members = await ctx.sentry.list_project_members(slug)
    teams = await ctx.sentry.list_teams(max_pages=10)
    return Assignable(
        project=slug,
        team_slugs=team_slugs,
        members=tuple(m for m in members if m.user is not None),
        teams=tuple(t for t in teams if t.slug in team_slugs),
    )
