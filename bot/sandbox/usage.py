"""Usage numbers: what `stats_v2` and project stats report, derived from the projects' volumes.

Each project has a daily volume per data category (`Project.daily_volume`). An hour's count for a
(project, category, outcome, reason) is that volume spread over the day with a daily and weekly
rhythm and a little noise. The noise comes from a hash of the key, never from a clock or a random
generator, so the same question always gets the same answer, and sums over any grouping agree.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from multidict import MultiMapping

from bot.sandbox.records import JSON, Project, iso_seconds
from bot.sandbox.state import ApiError

HOUR = 3600
DAY = 24 * HOUR
MAX_RANGE = 90 * DAY  # how far back Sentry keeps outcomes
# Share of a category's volume per (outcome, reason); sums to 1.
OUTCOME_MIX: tuple[tuple[str, str, float], ...] = (
    ("accepted", "none", 0.86),
    ("filtered", "browser-extensions", 0.03),
    ("filtered", "legacy-browsers", 0.01),
    ("filtered", "release-version", 0.01),
    ("rate_limited", "key_quota", 0.03),
    ("rate_limited", "usage_exceeded", 0.02),
    ("invalid", "invalid_data", 0.01),
    ("client_discard", "sample_rate", 0.03),
)
ATTACHMENT_BYTES = 48_000  # attachments are counted in bytes in `sum(quantity)`
CATEGORIES = ("error", "transaction", "attachment", "replay", "profile", "profile_duration", "monitor")
OUTCOMES = ("accepted", "filtered", "rate_limited", "invalid", "abuse", "client_discard", "cardinality_limited")
GROUP_BYS = ("outcome", "category", "reason", "project")
FIELDS = ("sum(quantity)", "sum(times_seen)")
# Which outcomes each `stat` of the project stats endpoint counts (error events only).
PROJECT_STATS: dict[str, tuple[str, ...]] = {
    "received": ("accepted", "filtered", "rate_limited", "invalid"),
    "rejected": ("rate_limited",),
    "blacklisted": ("filtered",),
    "generated": ("accepted", "filtered", "rate_limited", "invalid", "client_discard"),
}
RESOLUTIONS = {"10s": 10, "1h": HOUR, "1d": DAY}
MAX_POINTS = 10_000  # keeps a 10s series over weeks from tying up the server
DURATION_RE = re.compile(r"^(\d+)([smhdw])$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": HOUR, "d": DAY, "w": 7 * DAY}


def hourly_count(slug: str, daily: int, category: str, outcome: str, reason: str, share: float, hour: int) -> int:
    """Events of one kind in the hour starting at `hour` (epoch seconds)."""
    key = f"{slug}|{category}|{outcome}|{reason}|{hour}"
    expected = daily / 24 * share * _rhythm(hour) * (0.75 + 0.5 * _unit_hash(key))
    return dithered(expected, key)


@lru_cache(maxsize=4096)
def _rhythm(hour: int) -> float:
    moment = datetime.fromtimestamp(hour, UTC)
    daily = 1 + 0.45 * math.cos(2 * math.pi * (moment.hour - 15) / 24)  # busiest mid-afternoon UTC
    return daily * (0.7 if moment.weekday() >= 5 else 1.0)


def dithered(expected: float, key: str) -> int:
    """Round up with probability equal to the fraction (decided by a hash), so small volumes
    still show up now and then instead of always rounding to zero."""
    return math.floor(expected + _unit_hash(key + "#"))


def _unit_hash(key: str) -> float:
    """A number in [0, 1) fixed by `key`; keys that differ by a digit get unrelated numbers."""
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest) / 2**64


@dataclass(frozen=True)
class Row:
    """One hour of one kind of outcome for one project."""

    project: Project
    category: str
    outcome: str
    reason: str
    hour: int
    times_seen: int

    @property
    def quantity(self) -> int:
        return self.times_seen * ATTACHMENT_BYTES if self.category == "attachment" else self.times_seen

    def value(self, field: str) -> int:
        return self.quantity if field == "sum(quantity)" else self.times_seen

    def key(self, group_by: Iterable[str]) -> tuple[tuple[str, str | int], ...]:
        values: dict[str, str | int] = {
            "project": int(self.project.id),
            "category": self.category,
            "outcome": self.outcome,
            "reason": self.reason,
        }
        return tuple((name, values[name]) for name in group_by)


def rows(projects: Iterable[Project], hours: Iterable[int], categories: set[str], outcomes: set[str]) -> Iterator[Row]:
    hour_list = list(hours)
    for project in projects:
        for category, daily in project.daily_volume.items():
            if category not in categories:
                continue
            for outcome, reason, share in OUTCOME_MIX:
                if outcome not in outcomes:
                    continue
                for hour in hour_list:
                    count = hourly_count(project.slug, daily, category, outcome, reason, share, hour)
                    yield Row(project, category, outcome, reason, hour, count)


# --- stats_v2 -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UsageQuery:
    fields: list[str]
    group_by: list[str]
    start: int
    end: int
    interval: int
    projects: list[Project]
    categories: set[str]
    outcomes: set[str]
    reason: str | None


def seconds(value: str, name: str) -> int:
    match = DURATION_RE.match(value)
    if match is None:
        raise ApiError.detail(400, f"Invalid {name}: {value}")
    return int(match.group(1)) * UNIT_SECONDS[match.group(2)]


def parse_time(value: str, name: str) -> int:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError.detail(400, f"{name} must be an ISO 8601 date-time") from None
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())


def time_range(
    stats_period: str | None, start: str | None, end: str | None, interval: int, now: int
) -> tuple[int, int]:
    """Sentry's rules: a period or a start/end pair, start rounded down to the interval."""
    if start and end:
        begin, finish = parse_time(start, "start"), parse_time(end, "end")
    else:
        finish = now - now % 60
        begin = finish - seconds(stats_period or "14d", "statsPeriod")
    if begin >= finish:
        raise ApiError.detail(400, "start must be before end")
    if finish - begin > MAX_RANGE or begin < now - MAX_RANGE - DAY:
        raise ApiError.detail(400, "Invalid date range. Please try a more recent date range.")
    return begin - begin % interval, finish


def stats_v2(query: UsageQuery) -> JSON:
    starts = list(range(query.start, query.end, query.interval))
    hours = range(query.start, query.end, HOUR)  # the interval is whole hours, so start is on the hour
    series: dict[tuple[tuple[str, str | int], ...], dict[str, list[int]]] = defaultdict(
        lambda: {f: [0] * len(starts) for f in query.fields}
    )
    for row in rows(query.projects, hours, query.categories, query.outcomes):
        if not row.times_seen or (query.reason is not None and row.reason != query.reason):
            continue  # Sentry lists only the groups that have data
        slot = (row.hour - query.start) // query.interval
        group = series[row.key(query.group_by)]
        for field in query.fields:
            group[field][slot] += row.value(field)
    return {
        "start": iso_seconds(datetime.fromtimestamp(query.start, UTC)),
        "end": iso_seconds(datetime.fromtimestamp(query.end, UTC)),
        "intervals": [iso_seconds(datetime.fromtimestamp(s, UTC)) for s in starts],
        "groups": [
            {"by": dict(key), "totals": {f: sum(values[f]) for f in query.fields}, "series": values}
            for key, values in sorted(series.items(), key=lambda item: str(item[0]))
        ],
    }


# --- project stats: [[timestamp, count], ...] ------------------------------------------------------


def project_series(project: Project, query: SeriesQuery) -> list[list[int]]:
    outcomes = set(PROJECT_STATS[query.stat])
    step = query.resolution
    buckets = range(query.since - query.since % step, query.until + 1, step)
    return [[bucket, _bucket_count(project, outcomes, bucket, step)] for bucket in buckets]


def _bucket_count(project: Project, outcomes: set[str], bucket: int, resolution: int) -> int:
    if resolution >= HOUR:
        hours = range(bucket, bucket + resolution, HOUR)
        return sum(r.times_seen for r in rows([project], hours, {"error"}, outcomes))
    hour = bucket - bucket % HOUR
    per_hour = sum(r.times_seen for r in rows([project], [hour], {"error"}, outcomes))
    key = f"{project.slug}|{bucket}"
    return dithered(per_hour * resolution / HOUR * (0.5 + _unit_hash(key)), key)


def default_resolution(since: int, until: int) -> int:
    """Sentry picks the finest rollup that keeps the series short."""
    span = until - since
    if span <= HOUR:
        return RESOLUTIONS["10s"]
    return RESOLUTIONS["1h"] if span <= 7 * DAY else RESOLUTIONS["1d"]


def issue_series(
    project: Project, weight: float, seen: tuple[datetime, datetime], now: datetime, step: int, points: int
) -> list[list[int]]:
    """An issue's share of its project's accepted errors, zero outside first seen .. last seen."""
    end = int(now.timestamp())
    end -= end % step
    born, last = (int(moment.timestamp()) for moment in seen)
    series = []
    for bucket in range(end - (points - 1) * step, end + 1, step):
        if bucket + step <= born or bucket > last:
            series.append([bucket, 0])
            continue
        hours = range(bucket, bucket + step, HOUR)
        total = sum(r.times_seen for r in rows([project], hours, {"error"}, {"accepted"}))
        series.append([bucket, round(total * weight)])
    return series


# --- reading the query strings -------------------------------------------------------------------


def usage_query(query: MultiMapping[str], projects: list[Project], now: int) -> UsageQuery:
    """Read stats_v2's parameters with Sentry's rules (and messages, where they are known)."""
    fields = query.getall("field", [])
    if not fields:
        raise ApiError.detail(400, 'At least one "field" is required.')
    for name in fields:
        if name not in FIELDS:
            raise ApiError.detail(400, f'Invalid field: "{name}"')
    group_by = query.getall("groupBy", [])
    if not group_by:
        raise ApiError.detail(400, 'At least one "groupBy" is required.')
    for name in group_by:
        if name not in GROUP_BYS:
            raise ApiError.detail(400, f'Invalid groupBy: "{name}"')
    interval = seconds(query.get("interval", "1h"), "interval")
    if interval < HOUR or interval % HOUR:
        raise ApiError.detail(400, "The interval has to be a multiple of the minimum interval of one hour.")
    start, end = time_range(query.get("statsPeriod"), query.get("start"), query.get("end"), interval, now)
    return UsageQuery(
        fields=fields,
        group_by=list(dict.fromkeys(group_by)),
        start=start,
        end=end,
        interval=interval,
        projects=_chosen_projects(query.getall("project", []), projects),
        categories=_one_of(query.get("category"), CATEGORIES, "category"),
        outcomes=_one_of(query.get("outcome"), OUTCOMES, "outcome"),
        reason=query.get("reason"),
    )


def _chosen_projects(ids: list[str], projects: list[Project]) -> list[Project]:
    if not ids or "-1" in ids:
        return projects  # -1 is Sentry's "all projects"
    if not all(i.isdigit() for i in ids):
        raise ApiError.detail(400, "Invalid project ids")
    return [p for p in projects if p.id in ids]


def _one_of(value: str | None, choices: tuple[str, ...], name: str) -> set[str]:
    if value is None:
        return set(choices)
    if value not in choices:
        raise ApiError.detail(400, f'Invalid {name}: "{value}"')
    return {value}


@dataclass(frozen=True)
class SeriesQuery:
    stat: str
    since: int
    until: int
    resolution: int


def series_query(query: MultiMapping[str], now: int) -> SeriesQuery:
    """Read the project stats parameters: stat, since, until (epoch seconds), resolution."""
    stat = query.get("stat", "received")
    if stat not in PROJECT_STATS:
        raise ApiError.detail(400, f"Invalid stat: {stat}")
    until = _epoch(query.get("until"), "until", now)
    since = _epoch(query.get("since"), "since", until - DAY)
    if since > until:
        raise ApiError.detail(400, "since must be before until")
    resolution = query.get("resolution")
    if resolution is not None and resolution not in RESOLUTIONS:
        raise ApiError.detail(400, "Invalid resolution")
    step = RESOLUTIONS[resolution] if resolution else default_resolution(since, until)
    if (until - since) // step > MAX_POINTS:
        raise ApiError.detail(400, "Too many data points; use a coarser resolution.")
    return SeriesQuery(stat, since, until, step)


def _epoch(value: str | None, name: str, default: int) -> int:
    if value is None:
        return default
    try:
        return int(float(value))
    except ValueError:
        raise ApiError.detail(400, f"{name} must be a number of seconds since the epoch") from None


# --- reports (issue 15): Discover's count() and count_unique(user) ---------------------------------

# The only Discover columns the sandbox computes (src/sentry/api/endpoints/organization_events.py
# answers any column of the dataset; the bot asks for these two).
DISCOVER_FIELDS = ("count()", "count_unique(user)")
# Users come back: of an hour's events, about one in this many is from a user not seen before.
_EVENTS_PER_USER = 20


def discover_totals(
    projects: Iterable[Project], users: dict[str, int], fields: list[str], start: int, end: int
) -> JSON:
    """`{"data": [row], "meta": ...}` of the accepted error events `start`..`end`, as Discover answers
    a table query without `groupBy` columns (one row of aggregates). `users`: each project's known
    users (the sum of its issues' user counts); the distinct users grow towards it with the events."""
    if unknown := [f for f in fields if f not in DISCOVER_FIELDS]:
        raise ApiError.detail(400, f"The sandbox computes only {', '.join(DISCOVER_FIELDS)}, not {unknown[0]}")
    hours = range(start - start % HOUR, end, HOUR)
    events = 0
    distinct = 0
    for project in projects:
        counted = sum(r.times_seen for r in rows([project], hours, {"error"}, {"accepted"}))
        known = max(1, users.get(project.slug, 0))
        events += counted
        distinct += round(known * (1 - math.exp(-counted / (known * _EVENTS_PER_USER))))
    values: dict[str, int] = {"count()": events, "count_unique(user)": min(distinct, events)}
    return {
        "data": [{f: values[f] for f in fields}],
        "meta": {"fields": dict.fromkeys(fields, "integer"), "units": dict.fromkeys(fields), "dataset": "errors"},
    }
