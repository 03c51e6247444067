"""Prometheus metrics: commands by name and outcome, their latency, and webhook intake."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

__all__ = ["COMMANDS", "COMMAND_SECONDS", "REGISTRY"]

REGISTRY = CollectorRegistry(auto_describe=True)

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
