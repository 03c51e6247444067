"""Issue lists: `issues`, `mine` and `unassigned`, searched with Sentry's own syntax.

    /sentry issues web level:error --period 24h      the project's unresolved errors of the last day
    /sentry mine is:unresolved                       what is assigned to you (your linked member)
    /sentry unassigned api                           what nobody has taken yet

The query is passed to Sentry as typed, quotes and all, after two changes: `is:unresolved` comes
first unless the query has an `is:` of its own, and `me` as the value of a person-valued key
(`assigned:me`, `bookmarks:me`...) becomes the requester's linked member. Sentry would read `me` as
the token's user: an organization token has none, and a personal one is whoever made it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.commands.context import Ctx, Reply
from bot.commands.lookup import did_you_mean, member_label, missing_project
from bot.commands.refs import csv
from bot.commands.registry import Args, Level, arg, opt, registry
from bot.commands.slash import slash
from bot.errors import InvalidInput, UsageError
from bot.sentry.models import IssueSummary, Project
from bot.sentry.paging import Page
from bot.views import text as t
from bot.views.blocks import esc
from bot.views.issue_list import IssueListing, issue_list

__all__ = [
    "DEFAULT_PERIOD",
    "DEFAULT_QUERY",
    "PAGE_SIZE",
    "SORTS",
    "Search",
    "period_value",
    "search_words",
    "uses_me",
    "with_me",
]

FAMILY = "Issues"
PAGE_SIZE = 20
DEFAULT_QUERY = "is:unresolved"
DEFAULT_PERIOD = "14d"  # Sentry's own default for the issue list (`get_date_range_from_params`)
WIDEST_PERIOD = "90d"  # how long Sentry keeps error events
SORTS = ("date", "new", "freq", "trends", "user")
SORT_WORDS = {"date": "last seen", "new": "first seen", "freq": "events", "trends": "trend", "user": "users"}
# Keys whose values are people: Sentry reads `me` there as the token's user (its search docs,
# "assigned:me", "bookmarks:me"; `parse_user_value` in src/sentry/api/event_search.py).
ME_KEYS = frozenset({"assigned", "assigned_or_suggested", "bookmarks", "subscribed"})

_PERIOD = re.compile(r"^(\d{1,4})([mhdw])$")
_PERIOD_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}
_MAX_PERIOD_SECONDS = 90 * 86400
# A word of the command as typed: quoted parts stay whole (`release:"web 1.0"`, `"a b"`), and an
# unbalanced quote runs to the end.
_WORD = re.compile(r'(?:[^\s"]+|"[^"]*"?)+')
_KEYED = re.compile(r"^(?P<neg>!?)(?P<key>[\w.]+):(?P<value>.+)$")
_BARE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_HAS_IS = re.compile(r"^!?is:")


def period_value(raw: str) -> str:
    """`--period`: a number and a unit (`30m`, `24h`, `14d`, `2w`), up to Sentry's 90 days."""
    match = _PERIOD.match(raw.lower())
    if match is None:
        raise ValueError(f"`{raw[:40]}` is not a period like 24h, 14d or 2w")
    seconds = int(match.group(1)) * _PERIOD_SECONDS[match.group(2)]
    if not 0 < seconds <= _MAX_PERIOD_SECONDS:
        raise ValueError(f"`{raw[:40]}` is outside what Sentry keeps: give up to 90d")
    return raw.lower()


def search_words(text: str, *, command_words: int) -> list[str]:
    """The query words of a list command as typed: after its own words, without `--options`."""
    words = _WORD.findall(text)[command_words:]
    kept: list[str] = []
    skip = False
    for word in words:
        if skip:
            skip = False
        elif word.startswith("--") and len(word) > 2:
            skip = "=" not in word
        else:
            kept.append(word)
    return kept


def uses_me(words: Sequence[str]) -> bool:
    """Whether `me` is a person-valued search value in `words` (so the requester must be linked)."""
    return with_me(words, "") != list(words)


def with_me(words: Sequence[str], email: str) -> list[str]:
    """`words` with `me` as a person-valued search value replaced by `email`; quoted text is left be."""
    changed = []
    for word in words:
        match = _KEYED.match(word)
        if match is None or match.group("key") not in ME_KEYS:
            changed.append(word)
            continue
        value = match.group("value")
        if value == "me":
            value = email
        elif value.startswith("[") and value.endswith("]"):
            items = [item.strip() for item in value[1:-1].split(",")]
            value = "[" + ",".join(email if item == "me" else item for item in items) + "]"
        changed.append(f"{match.group('neg')}{match.group('key')}:{value}")
    return changed


@dataclass(frozen=True)
class Search:
    """One list request, as it goes to Sentry and as the answer describes it."""

    words: list[str]  # the query words after the project, with `me` replaced
    project: Project | None = None
    environments: tuple[str, ...] = ()
    sort: str | None = None
    period: str = DEFAULT_PERIOD

    @property
    def query(self) -> str:
        if any(_HAS_IS.match(word) for word in self.words):
            return " ".join(self.words)
        return " ".join([DEFAULT_QUERY, *self.words])

    def described(self) -> str:
        parts = [f"`{esc(self.query)}`"]
        if self.project is not None:
            parts.append(f"project *{esc(self.project.slug)}*")
        if self.environments:
            parts.append("environment " + ", ".join(f"*{esc(e)}*" for e in self.environments))
        parts.append(f"seen in the last {esc(self.period)}")
        parts.append(f"sorted by {SORT_WORDS.get(self.sort or 'date', 'last seen')}")
        return " · ".join(parts)

    def command(self, *, period: str | None = None, environments: bool = True) -> str:
        """The `issues` command that runs this search, optionally wider."""
        parts = [slash(), "issues"]
        if self.project is not None:
            parts.append(self.project.slug)
        parts.extend(self.words)
        if self.sort:
            parts.append(f"--sort {self.sort}")
        if (period or self.period) != DEFAULT_PERIOD:
            parts.append(f"--period {period or self.period}")
        if environments and self.environments:
            parts.append("--env " + ",".join(self.environments))
        return " ".join(parts)


async def _member_email(ctx: Ctx, why: str) -> str:
    """The requester's linked member's email, or the answer that says how to link them."""
    who = await ctx.services.identity.who(ctx.user_id)
    member = who.member
    email = (member.user.email if member and member.user else None) or (member.email if member else None)
    if not email:
        seen = who.email or "no email visible to the bot"
        raise UsageError(
            f"{why}, but your Slack account ({seen}) is not linked to a Sentry member. The bot matches your "
            f"Slack email to a Sentry member; if yours differs, ask an admin to run "
            f"`{slash()} identity set @you <your-sentry-email>`.",
            usage=f"{slash()} whoami",
            example=f"{slash()} issues assigned:alice@acme.example",
        )
    return email


async def _projects(ctx: Ctx) -> list[Project]:
    return list(await ctx.sentry.list_projects(max_pages=10))


async def _labels(ctx: Ctx, page: Page[IssueSummary]) -> dict[str, str]:
    """How to name each assigned user: `member_label` of their member (one cached member list)."""
    wanted = {i.assigned_to.id for i in page if i.assigned_to and i.assigned_to.type == "user" and i.assigned_to.id}
    if not wanted:
        return {}
    # The same read the identity check makes (`Identity.member_by_email`), so it is usually cached.
    members = await ctx.sentry.list_members(max_pages=20)
    return {m.user.id: member_label(m) for m in members if m.user is not None and m.user.id in wanted}


async def _listed(ctx: Ctx, search: Search, *, title: str, empty: str) -> Reply:
    try:
        page = await ctx.sentry.list_issues(
            query=search.query,
            projects=[int(search.project.id)] if search.project is not None else (),
            environments=search.environments,
            sort=search.sort,
            stats_period=search.period,
            cursor=ctx.cursor,
            limit=PAGE_SIZE,
        )
    except InvalidInput as exc:
        # Sentry's 400 names what it could not read in the search; say so, and how searches are written.
        raise UsageError(
            f"Sentry could not search for `{search.query}`: {exc.detail or exc.what}. Searches are Sentry's "
            "syntax: `key:value` filters (`level:error`, `is:resolved`, `assigned:me`), `!` to negate, quotes "
            'around values with spaces (`release:"web 1.0"`), and any other words matched against titles.',
            usage=f"{slash()} issues [<project>] [<query>...]",
            example=f"{slash()} issues web is:unresolved level:error",
        ) from None
    listing = IssueListing(
        title=title,
        searched=search.described(),
        page=page,
        period=search.period,
        command=ctx.command_text,
        empty=empty,
        assignees=await _labels(ctx, page),
    )
    return Reply(issue_list(listing, now=ctx.now), shareable=True)


def _next_steps(search: Search, *, unknown_word: str | None = None, projects: Sequence[str] = ()) -> str:
    """What to try when nothing matched: a near project, a wider period, no environment, other statuses."""
    steps = []
    near = did_you_mean(unknown_word, projects) if unknown_word else []
    if near:
        rest = " ".join(search.words[1:])
        steps.append(" or ".join(f"`{slash()} issues {esc(n)}{' ' + esc(rest) if rest else ''}`" for n in near))
        steps[-1] = f"There is no project `{esc(unknown_word)}`: did you mean {steps[-1]}?"
    if search.period != WIDEST_PERIOD:
        steps.append(f"A wider period: `{esc(search.command(period=WIDEST_PERIOD))}`")
    if search.environments:
        steps.append(f"Every environment: `{esc(search.command(environments=False))}`")
    if not any(_HAS_IS.match(word) for word in search.words):
        steps.append("Closed issues too: add `is:resolved` or `is:ignored` to the query")
    return "\n".join(f"• {step}" for step in steps)


def _empty(what: str, search: Search, *, unknown_word: str | None = None, projects: Sequence[str] = ()) -> str:
    steps = _next_steps(search, unknown_word=unknown_word, projects=projects)
    return f"{what} matches this search." + (f" Try:\n{steps}" if steps else "")


@registry.command(
    "issues",
    arg("target", optional=True, metavar="project"),
    arg("query", optional=True, rest=True),
    opt("--sort", choices=SORTS),
    opt("--period", convert=period_value, metavar="24h|14d|..."),
    opt("--env", convert=csv, metavar="name"),
    summary="List issues with Sentry's search syntax (default is:unresolved), paged with More",
    level=Level.READ,
    examples=[
        "issues",
        "issues web level:error --period 24h",
        "issues api assigned:me --sort freq",
        'issues is:unresolved "Network request failed" --env production',
    ],
    family=FAMILY,
)
async def issues(ctx: Ctx, args: Args) -> Reply:
    words = search_words(ctx.command_text, command_words=1)
    project: Project | None = None
    unknown: str | None = None
    slugs: list[str] = []
    if words and _BARE.match(words[0]):
        known = await _projects(ctx)
        slugs = [p.slug for p in known]
        project = next((p for p in known if p.slug == words[0].lower()), None)
        if project is not None:
            words = words[1:]
        else:
            unknown = words[0]  # free text, unless nothing matches it and a project is spelled close
    if uses_me(words):
        words = with_me(words, await _member_email(ctx, "`me` in a search means you"))
    search = Search(words, project, tuple(args.env or ()), args.sort, args.period or DEFAULT_PERIOD)
    empty = _empty("No issue", search, unknown_word=unknown, projects=slugs)
    return await _listed(ctx, search, title=t.ISSUES_TITLE, empty=empty)


@registry.command(
    "mine",
    arg("query", optional=True, rest=True),
    summary="Issues assigned to you (your linked Sentry member), unresolved unless the query says otherwise",
    level=Level.READ,
    examples=["mine", "mine level:fatal", "mine is:resolved"],
    family=FAMILY,
)
async def mine(ctx: Ctx, args: Args) -> Reply:
    email = await _member_email(ctx, "`mine` lists the issues assigned to you")
    words = with_me(search_words(ctx.command_text, command_words=1), email)
    search = Search([f"assigned:{email}", *words])
    empty = _empty("Nothing assigned to you", search) + (
        f"\n• What nobody has taken: `{slash()} unassigned`" if not words else ""
    )
    return await _listed(ctx, search, title=t.MINE_TITLE, empty=empty)


@registry.command(
    "unassigned",
    arg("project", optional=True),
    summary="Unresolved issues nobody is assigned to, in one project or all",
    level=Level.READ,
    examples=["unassigned", "unassigned api"],
    family=FAMILY,
)
async def unassigned(ctx: Ctx, args: Args) -> Reply:
    project: Project | None = None
    if args.project:
        project = next((p for p in await _projects(ctx) if p.slug == args.project.lower()), None)
        if project is None:
            raise await missing_project(
                ctx, args.project, usage=f"{slash()} unassigned [<project>]", example=f"{slash()} unassigned web"
            )
    search = Search(["is:unresolved", "is:unassigned"], project)
    return await _listed(ctx, search, title=t.UNASSIGNED_TITLE, empty=_empty("No unassigned issue", search))
