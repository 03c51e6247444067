"""What the bench's processes agree on: the signing secret, users, issue numbering, statistics."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

from bot.sandbox.records import short_id_suffix

SIGNING_SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench"

# Issues the bench adds to the stand-in, in the `web` project (short IDs `WEB-<n>`):
# EXTRA_BASE.. are made at start (`--extra-issues`, 200 for the Zipf workload); SYNTHETIC_BASE.. exist
# on first lookup (cold-cache and memory runs ask for as many distinct issues as they like).
SYNTHETIC_PROJECT = "web"
EXTRA_BASE = 10_000
SYNTHETIC_BASE = 1_000_000

# Sentry members the bench's Slack users map to (by email); any member may run read commands.
_MEMBER_EMAILS = ("alice@acme.example", "bob@acme.example", "carol@acme.example", "dave@acme.example")


def user_ids(count: int) -> list[str]:
    return [f"UB{n:06d}" for n in range(count)]


def member_email(user_id: str) -> str:
    return _MEMBER_EMAILS[int(user_id[2:]) % len(_MEMBER_EMAILS)]


def short_id(number: int) -> str:
    return f"WEB-{short_id_suffix(number)}"


def percentile(ordered: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted sequence."""
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def summary(latencies: Sequence[float]) -> dict[str, float]:
    """Median and p99 in milliseconds."""
    ordered = sorted(latencies)
    return {
        "median_ms": statistics.median(ordered) * 1000 if ordered else math.nan,
        "p99_ms": percentile(ordered, 0.99) * 1000,
    }
