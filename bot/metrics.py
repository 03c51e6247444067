"""Prometheus metrics on the bot's one registry, served at `GET /metrics`.

Names follow Prometheus conventions: the `sentry_bot_` prefix, base units (`_seconds`), `_total` on
counters (prometheus_client adds it to a Counter's name). The alert pipeline's families are in
`bot/alerts/metrics.py`, on this same registry.
"""

from __future__ import annotations

import platform

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Histogram,
    Info,
)

from bot import __version__

__all__ = [
    "BUILD_INFO",
    "CACHE_LOOKUPS",
    "COMMANDS",
    "COMMAND_SECONDS",
    "REGISTRY",
    "SENTRY_REQUEST_SECONDS",
    "SLACK_API_CALLS",
]

REGISTRY = CollectorRegistry(auto_describe=True)
# process_* (CPU, memory, open files), python_info, python_gc_*: the collectors prometheus_client
# registers on its default registry, registered here too since the bot serves its own registry.
for _collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
    REGISTRY.register(_collector)

BUILD_INFO = Info("sentry_bot_build", "The running bot: its version and Python's.", registry=REGISTRY)
BUILD_INFO.info({"version": __version__, "python": platform.python_version()})

COMMANDS = Counter(
    "sentry_bot_commands",
    "Commands answered, by command and outcome (ok, usage, denied, sentry_error, crash).",
    ["command", "outcome"],
    registry=REGISTRY,
)
COMMAND_SECONDS = Histogram(
    "sentry_bot_command_seconds",
    "Time to answer a command, from dispatch to reply, by command.",
    ["command"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
SENTRY_REQUEST_SECONDS = Histogram(
    "sentry_bot_sentry_request_duration_seconds",
    "Sentry API requests (each attempt), by operation and HTTP status (timeout, connection_error when "
    "none came back), with their latency; the _count is the number of requests.",
    ["operation", "status"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15),
    registry=REGISTRY,
)
SLACK_API_CALLS = Counter(
    "sentry_bot_slack_api_calls",
    "Slack Web API calls (each attempt), by method and status: ok, Slack's error code (ratelimited, "
    "channel_not_found, ...), http_<code> for an answer that is not Slack's JSON, or connection_error.",
    ["method", "status"],
    registry=REGISTRY,
)
CACHE_LOOKUPS = Counter(
    "sentry_bot_read_cache_lookups",
    "Sentry reads asked of the read cache, by result: hit (fresh or joined an identical read in flight) or miss.",
    ["result"],
    registry=REGISTRY,
)
