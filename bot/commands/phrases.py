"""Plain English to the command that does it: `show me errors in web` → `issues web level:error`.

The dispatcher asks here before it answers "not a command I know". The grammar is small and
local (no outside service): it reads words for *whose* issues (`my`, `unassigned`), *which* ones
(levels, statuses), *where* (a project of the organization, an environment), *when* (`today`,
`last 3 days`) and *in what order* (`noisiest`, `newest`), and builds an `issues`, `mine` or
`unassigned` command from them. Without any of those it tries the registry: `show me the projects`
is `projects`. Anything else gets no suggestion.

    suggest("what broke in api today", projects=["web", "api"], registry=registry)
    # -> "issues api --sort new --period 24h"
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.commands.lookup import did_you_mean
from bot.commands.registry import Registry

__all__ = ["MAX_WORDS", "suggest"]

MAX_WORDS = 40  # a request longer than this is not a phrase to rephrase

_WORDS = re.compile(r"[a-z0-9][a-z0-9_.-]*")
# An issue named outright (`WEB-12A`, `5501024301`): the request is about that issue, not a list,
# and a mistyped command before it (`resolved WEB-12A`) is better answered with "did you mean".
_ISSUE_REF = re.compile(r"^(?:[a-z][a-z0-9_]*-[a-z0-9]*[0-9][a-z0-9]*|[0-9]{5,})$")
_LEVELS = {
    "error": "error",
    "errors": "error",
    "exception": "error",
    "exceptions": "error",
    "fatal": "fatal",
    "fatals": "fatal",
    "crash": "fatal",
    "crashes": "fatal",
    "crashed": "fatal",
    "crashing": "fatal",
    "warning": "warning",
    "warnings": "warning",
}
_STATUSES = {
    "resolved": "is:resolved",
    "fixed": "is:resolved",
    "closed": "is:resolved",
    "archived": "is:ignored",
    "ignored": "is:ignored",
    "muted": "is:ignored",
    "regressed": "is:regressed",
    "regressions": "is:regressed",
    "regression": "is:regressed",
    "escalating": "is:escalating",
}
_SORTS = {
    "noisiest": "freq",
    "loudest": "freq",
    "frequent": "freq",
    "common": "freq",
    "top": "freq",
    "busiest": "freq",
    "newest": "new",
    "new": "new",
    "broke": "new",
    "broken": "new",
    "started": "new",
    "appeared": "new",
    "trending": "trends",
}
_ISSUE_WORDS = frozenset(
    {"issue", "issues", "problem", "problems", "bug", "bugs", "failing", "failures", "wrong", "happening", "alerts"}
)
_ENVIRONMENTS = {"production": "production", "prod": "production", "staging": "staging", "development": "development"}
_UNITS = {"minute": "m", "minutes": "m", "hour": "h", "hours": "h", "day": "d", "days": "d", "week": "w", "weeks": "w"}
_PERIODS = {
    "today": "24h",
    "yesterday": "48h",
    "hour": "1h",
    "day": "24h",
    "24h": "24h",
    "week": "7d",
    "month": "30d",
}
_PLACES = frozenset({"in", "on", "for", "from", "of"})
_FILLER = frozenset(
    [
        "a",
        "all",
        "am",
        "an",
        "any",
        "are",
        "can",
        "could",
        "do",
        "does",
        "for",
        "give",
        "i",
        "is",
        "it",
        "let",
        "list",
        "me",
        "my",
        "of",
        "our",
        "please",
        "see",
        "show",
        "tell",
        "the",
        "there",
        "these",
        "us",
        "we",
        "what",
        "which",
        "who",
        "whose",
        "with",
        "you",
    ]
)


@dataclass
class _Heard:
    owner: str | None = None  # "me" | "nobody"
    levels: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    project: str | None = None
    environment: str | None = None
    period: str | None = None
    sort: str | None = None
    about_issues: bool = False

    @property
    def terms(self) -> list[str]:
        """Search terms: the levels (Sentry ANDs filters, so several are one `level:[a,b]`), then statuses.

        "errors" is also the plain word for issues: next to another level ("fatal errors") it is dropped.
        """
        levels = [level for level in self.levels if level != "error" or len(self.levels) == 1]
        shown = [f"level:{levels[0]}"] if len(levels) == 1 else [f"level:[{','.join(levels)}]"] if levels else []
        return shown + self.statuses[:1]

    def heard_anything(self) -> bool:
        return bool(self.owner or self.terms or self.project or self.period or self.sort or self.about_issues)


def _words(text: str) -> list[str]:
    return _WORDS.findall(text.lower())[:MAX_WORDS]


def _period_at(words: Sequence[str], i: int) -> tuple[str | None, int]:
    """A period starting at `words[i]` ("today", "last 3 days", "past week") and the words it took."""
    word = words[i]
    if word in ("today", "yesterday", "24h"):
        return _PERIODS[word], 1
    if word in ("last", "past", "this", "recent") and i + 1 < len(words):
        nxt = words[i + 1]
        if nxt.isdigit() and i + 2 < len(words) and words[i + 2] in _UNITS and 0 < int(nxt) <= 90 * 24:
            return f"{int(nxt)}{_UNITS[words[i + 2]]}", 3
        if nxt in _PERIODS and nxt not in ("today", "yesterday"):
            return _PERIODS[nxt], 2
    return None, 0


def _place(word: str, projects: Sequence[str]) -> tuple[str | None, str | None]:
    """A word after `in`/`on`/`for`: an environment, a project, or a project spelled close to one."""
    if word in _ENVIRONMENTS:
        return None, _ENVIRONMENTS[word]
    if word in projects:
        return word, None
    near = did_you_mean(word, projects)
    if near and word not in _FILLER and word not in _ISSUE_WORDS and word not in _LEVELS:
        return near[0], None
    return None, None


def _listen(words: Sequence[str], projects: Sequence[str]) -> _Heard:
    heard = _Heard()
    i = 0
    while i < len(words):
        word = words[i]
        period, taken = _period_at(words, i)
        if period:
            heard.period, i = period, i + taken
            continue
        follows = words[i - 1] if i else ""
        if word in ("my", "mine") or (word == "me" and follows in ("to", "for")):
            heard.owner = "me"
        elif word in ("unassigned", "unowned", "nobody") or (word == "assigned" and follows == "not"):
            heard.owner = "nobody"
        elif word in _LEVELS:
            if _LEVELS[word] not in heard.levels:
                heard.levels.append(_LEVELS[word])
        elif word in _STATUSES:
            if _STATUSES[word] not in heard.statuses:
                heard.statuses.append(_STATUSES[word])
        elif word in _SORTS:
            heard.sort = _SORTS[word]
        elif word == "most" and i + 1 < len(words) and words[i + 1] in ("users", "people", "customers"):
            heard.sort, i = "user", i + 2
            continue
        elif word in _ISSUE_WORDS:
            heard.about_issues = True
        elif follows in _PLACES or word in projects or word in _ENVIRONMENTS:
            project, environment = _place(word, projects)
            heard.project = project or heard.project
            heard.environment = environment or heard.environment
        i += 1
    return heard


def _registry_command(words: Sequence[str], registry: Registry) -> str | None:
    """`show me the projects` → `projects`: the words left after the filler, if they name a command
    that needs nothing more."""
    left = [w for w in words if w not in _FILLER]
    found = registry.match(left) if left else None
    if found is None or found[1]:
        return None
    command = found[0]
    if command.hidden or any(p.required for p in command.params):
        return None
    return command.name


def _issues_command(heard: _Heard) -> str:
    """`mine` or `unassigned` when they say it all; an `issues` search otherwise."""
    narrowed = heard.project or heard.environment or heard.period or heard.sort
    if heard.owner == "me" and not narrowed:
        return " ".join(["mine", *heard.terms])
    if heard.owner == "nobody" and not (heard.terms or heard.environment or heard.period or heard.sort):
        return " ".join(["unassigned", *([heard.project] if heard.project else [])])
    parts = ["issues"]
    if heard.project:
        parts.append(heard.project)
    if heard.owner == "me":
        parts.append("assigned:me")
    elif heard.owner == "nobody":
        parts.append("is:unassigned")
    parts.extend(heard.terms)
    if heard.sort:
        parts.append(f"--sort {heard.sort}")
    if heard.period:
        parts.append(f"--period {heard.period}")
    if heard.environment:
        parts.append(f"--env {heard.environment}")
    return " ".join(parts)


def suggest(text: str, *, projects: Sequence[str], registry: Registry) -> str | None:
    """The command (without the slash command's name) that does what `text` asks, or None.

    Args:
        text: what was typed, as the dispatcher received it.
        projects: the organization's project slugs (may be empty when Sentry is unreachable).
        registry: the commands, for requests that name one in other words.
    """
    words = _words(text)
    if not words or any(_ISSUE_REF.match(word) for word in words):
        return None
    known = [p.lower() for p in projects]
    heard = _listen(words, known)
    if heard.heard_anything() and (heard.owner or heard.terms or heard.about_issues or heard.sort):
        return _issues_command(heard)
    return _registry_command(words, registry)
