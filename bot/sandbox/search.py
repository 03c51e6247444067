"""The organization's issue list: the part of Sentry's issue search the sandbox applies.

Sentry's search syntax (docs.sentry.io "Search" and `src/sentry/api/event_search.py` in
getsentry/sentry): whitespace-separated `key:value` filters, `!key:value` negates, a value may be
`"quoted"` or a list `[a,b]`, and anything else is free text matched against the title. The keys
applied here are `is:`, `level:`, `assigned:` / `assigned_or_suggested:`, `firstRelease:`,
`release:`, and any other key as an event tag (`browser:Chrome`). The endpoint's other rules:

- no `query` parameter means `is:unresolved`; an empty one means every issue
  (openapi.json, `listOrganizationIssues`);
- the period defaults to 14 days (`get_date_range_from_params`), and only issues seen in it are
  listed; `count` and `userCount` are for the period, `lifetime` for all time;
- `project` takes ids (or slugs, or `-1` for all); one the organization does not have is a 403;
- `assigned:me` means the token's user: an organization auth token has none, so it matches nobody.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.sandbox.records import Issue, Project
from bot.sandbox.state import ApiError, SandboxData

__all__ = ["IssueSearch", "parse_period", "search_issues"]

DEFAULT_PERIOD = timedelta(days=14)
SORTS = ("date", "freq", "inbox", "new", "recommended", "trends", "user")
# `is:` values: statuses, substatuses and the assignment and link states (Sentry's
# `STATUS_QUERY_CHOICES`, `SUBSTATUS_QUERY_CHOICES` and `is_filter_translation`).
_STATUS = {"unresolved": "unresolved", "resolved": "resolved", "ignored": "ignored", "archived": "ignored"}
_SUBSTATUS = {"new", "ongoing", "escalating", "regressed", "archived_until_escalating", "archived_forever"}
_IS_VALUES = sorted({*_STATUS, *_SUBSTATUS, "assigned", "unassigned", "for_review", "linked", "unlinked"})
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_TOKEN = re.compile(r'(?P<neg>!)?(?:(?P<key>[\w.]+):)?(?P<value>"[^"]*"|\[[^\]]*\]|\S+)')


@dataclass(frozen=True)
class IssueSearch:
    query: str
    projects: list[Project]
    environments: list[str]
    period: timedelta
    sort: str


def parse_period(raw: str | None) -> timedelta:
    """`24h`, `14d`, `2w`...; Sentry answers a malformed period with this 400."""
    if raw is None or raw == "":
        return DEFAULT_PERIOD
    match = re.fullmatch(r"(\d+)([smhdw])", raw)
    if match is None or int(match.group(1)) == 0:
        raise ApiError.detail(400, "Invalid statsPeriod.")
    return timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])


def _values(raw: str) -> list[str]:
    if raw.startswith("[") and raw.endswith("]"):
        return [v.strip().strip('"') for v in raw[1:-1].split(",") if v.strip()]
    return [raw.strip('"')]


def search_issues(data: SandboxData, search: IssueSearch, now: datetime) -> list[Issue]:
    since = now - search.period
    wanted = {p.slug for p in search.projects}
    tests = [_filter(data, token) for token in _TOKEN.finditer(search.query)]
    found = [
        issue
        for issue in data.issues.values()
        if (not wanted or issue.project_slug in wanted)
        and issue.last_seen >= since
        and (not search.environments or _environments(data, issue) & set(search.environments))
        and all(test(issue) for test in tests)
    ]
    return sorted(found, key=_sort_key(search.sort, since, now))


def _sort_key(sort: str, since: datetime, now: datetime) -> Callable[[Issue], tuple[float, str]]:
    def key(issue: Issue) -> tuple[float, str]:
        if sort == "new":
            value = issue.first_seen.timestamp()
        elif sort == "freq":
            value = period_counts(issue, since, now)[0]
        elif sort == "user":
            value = period_counts(issue, since, now)[1]
        elif sort == "trends":
            # Recent events weighed against age: Sentry's trends score favours young, busy issues.
            hours = max((now - issue.first_seen).total_seconds() / 3600, 1.0)
            value = period_counts(issue, since, now)[0] / hours
        else:  # date, and the orders the sandbox does not model (inbox, recommended)
            value = issue.last_seen.timestamp()
        return (-value, issue.id)

    return key


def period_counts(issue: Issue, since: datetime, now: datetime) -> tuple[int, int]:
    """Events and users within `since`..`now`: the issue's share of its lifetime spent in the period."""
    lifespan = max((issue.last_seen - issue.first_seen).total_seconds(), 60.0)
    overlap = (min(issue.last_seen, now) - max(issue.first_seen, since)).total_seconds()
    if overlap < 0:
        return (0, 0)
    share = min(1.0, max(overlap, 60.0) / lifespan)
    count = max(1, round(issue.count * share))
    return (count, min(issue.user_count, max(1 if issue.user_count else 0, round(issue.user_count * share))))


def _environments(data: SandboxData, issue: Issue) -> set[str]:
    return {v for e in data.events.values() if e.issue_id == issue.id for k, v in e.tags if k == "environment"}


def _filter(data: SandboxData, token: re.Match[str]) -> Callable[[Issue], bool]:
    key, values = token.group("key"), _values(token.group("value"))
    test = _free_text(values[0]) if key is None else _keyed(data, key, values)
    if token.group("neg"):
        return lambda issue: not test(issue)
    return test


def _free_text(text: str) -> Callable[[Issue], bool]:
    needle = text.lower()
    return lambda issue: needle in issue.title.lower() or needle in issue.culprit.lower()


def _keyed(data: SandboxData, key: str, values: Sequence[str]) -> Callable[[Issue], bool]:
    if key == "is":
        return _is(data, values)
    if key == "level":
        return lambda issue: issue.level in values
    if key in ("assigned", "assigned_or_suggested"):
        return _assigned(data, values)
    if key == "firstRelease":
        return lambda issue: issue.first_release in values
    if key in _SEEN:  # reports (issue 15)
        return _seen(key, values[0])
    tag = "release" if key == "release" else key
    return lambda issue: _has_tag(data, issue, tag, values)


def _is(data: SandboxData, values: Sequence[str]) -> Callable[[Issue], bool]:
    for value in values:
        if value not in _IS_VALUES:
            raise ApiError.detail(400, f'Invalid value for "is" search, valid values are {_IS_VALUES}')

    def test(issue: Issue) -> bool:
        return any(_is_one(data, issue, value) for value in values)

    return test


def _is_one(data: SandboxData, issue: Issue, value: str) -> bool:
    if value in _STATUS:
        return issue.status == _STATUS[value]
    if value in _SUBSTATUS:
        return issue.substatus == value
    if value in ("assigned", "unassigned"):
        return (issue.assignee is not None) == (value == "assigned")
    linked = any(link.issue_id == issue.id for link in data.external_issues.values())
    if value in ("linked", "unlinked"):
        return linked == (value == "linked")
    return issue.status == "unresolved" and not issue.has_seen  # for_review: the inbox


def _assigned(data: SandboxData, values: Sequence[str]) -> Callable[[Issue], bool]:
    wanted: set[tuple[str, str] | None] = set()
    for value in values:
        if value in ("none", "[none]"):
            wanted.add(None)
        elif value.startswith("#"):
            team = data.teams.get(value[1:])
            if team is not None:
                wanted.add(("team", team.id))
        elif value != "me":  # the token's user: an organization token has none
            member = data.member_by_email(value) or next(
                (m for m in data.members.values() if value in (m.user_id, m.email.split("@")[0])), None
            )
            if member is not None and member.user_id is not None:
                wanted.add(("user", member.user_id))

    def test(issue: Issue) -> bool:
        actor = (issue.assignee.type, issue.assignee.id) if issue.assignee else None
        return actor in wanted

    return test


def _has_tag(data: SandboxData, issue: Issue, key: str, values: Sequence[str]) -> bool:
    return any(
        e.issue_id == issue.id and any(k == key and v in values for k, v in e.tags) for e in data.events.values()
    )


# --- reports (issue 15): `firstSeen:` and `lastSeen:` -------------------------------------------------

# Sentry's date filters on an issue (`firstSeen:>=2027-03-27T08:00:00`, `lastSeen:-24h`): an operator
# and an ISO 8601 date-time (UTC when it has no offset) or a relative `-24h` (src/sentry/api/
# event_search.py, `date_filter` and `rel_date_filter`; docs.sentry.io "Search" > "Date and time").
_SEEN = {"firstSeen": "first_seen", "lastSeen": "last_seen"}
_DATE_OPERATORS: dict[str, Callable[[datetime, datetime], bool]] = {
    ">=": lambda seen, bound: seen >= bound,
    "<=": lambda seen, bound: seen <= bound,
    ">": lambda seen, bound: seen > bound,
    "<": lambda seen, bound: seen < bound,
}


def _seen(key: str, raw: str) -> Callable[[Issue], bool]:
    op = next((o for o in _DATE_OPERATORS if raw.startswith(o)), None)
    value = raw[len(op) :] if op else raw
    if relative := re.fullmatch(r"-(\d+)([smhdw])", value):
        # `lastSeen:-24h` means within the last day: later than that moment.
        bound = datetime.now(UTC) - timedelta(seconds=int(relative.group(1)) * _UNITS[relative.group(2)])
        test = _DATE_OPERATORS[op or ">="]
    else:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ApiError.detail(400, f"Invalid date: {value}") from None
        bound = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        test = _DATE_OPERATORS[op] if op else (lambda seen, day: seen.date() == day.date())
    field = _SEEN[key]
    return lambda issue: test(getattr(issue, field), bound)
