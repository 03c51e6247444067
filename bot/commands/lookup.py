"""Naming what Sentry could not find, with near matches, and who may be assigned an issue.

Sentry's 404 says only "The requested resource does not exist". These helpers turn it into an answer
that names the missing thing and suggests the closest known names, from the (cached) lists.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from bot.commands.context import Ctx
from bot.errors import UsageError
from bot.sentry.models import Issue, Member, Team

__all__ = [
    "Assignable",
    "assignable",
    "did_you_mean",
    "member_label",
    "missing",
    "missing_project",
    "project_slugs",
]

_SHOWN = 10


def did_you_mean(typed: str, names: Iterable[str]) -> list[str]:
    """Up to three known names close to `typed` (case-insensitive), closest first."""
    known = {n.lower(): n for n in names if n}
    close = difflib.get_close_matches(typed.lower(), list(known), n=3, cutoff=0.5)
    prefixed = [k for k in known if k.startswith(typed.lower()) and k not in close] if typed else []
    return [known[k] for k in (close + prefixed)[:3]]


def missing(kind: str, typed: str, names: Iterable[str], *, usage: str, example: str | None = None) -> UsageError:
    """ "There is no <kind> `typed`", with near matches, or the known names when none is near."""
    known = sorted(set(names), key=str.lower)
    near = did_you_mean(typed, known)
    text = f"There is no {kind} `{typed}`."
    if near:
        text += " Did you mean " + " or ".join(f"`{n}`" for n in near) + "?"
    elif known:
        more = f" (and {len(known) - _SHOWN} more)" if len(known) > _SHOWN else ""
        text += " Known: " + ", ".join(f"`{n}`" for n in known[:_SHOWN]) + more + "."
    return UsageError(text, usage=usage, example=example)


async def project_slugs(ctx: Ctx) -> list[str]:
    return [p.slug for p in await ctx.sentry.list_projects(max_pages=10)]


async def missing_project(ctx: Ctx, typed: str, *, usage: str, example: str | None = None) -> UsageError:
    return missing("project", typed, await project_slugs(ctx), usage=usage, example=example)


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
        near = did_you_mean(typed, self.names())
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
