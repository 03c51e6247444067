"""A database outage is three log lines, not a traceback per poll: when it starts (with the
traceback), a count while it lasts, and when it ends; nothing queued is lost."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from bot.alerts.router import Router
from bot.alerts.worker import Trouble
from tests.alerts.harness import Pipeline, hook_payload, messages


def worker_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "bot.alerts.worker" and r.levelno >= logging.WARNING]


async def test_a_routing_outage_logs_once_when_it_starts_and_once_when_it_ends(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await pipeline.subscribe("C1", "front-end")
    real = Router.route_batch
    polls = {"failed": 0}

    async def down_for_30_polls(self: Router, now: float, **kwargs: Any) -> int:
        if polls["failed"] < 30:
            polls["failed"] += 1
            raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))
        return await real(self, now, **kwargs)

    monkeypatch.setattr(Router, "route_batch", down_for_30_polls)
    caplog.set_level(logging.INFO, logger="bot.alerts.worker")
    assert await pipeline.service_hook(hook_payload()) == 200
    await pipeline.drained()

    assert polls["failed"] == 30
    lines = worker_lines(caplog)
    assert [r.getMessage() for r in lines] == ["alerts.worker.failing", "alerts.worker.recovered"]
    assert lines[0].exc_info is not None and lines[1].exc_info is None
    assert lines[1].failures == 30  # type: ignore[attr-defined]
    assert len(messages(pipeline.fake, "C1")) == 1  # nothing lost


def test_a_long_outage_is_counted_every_report_interval(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    trouble = Trouble("route", report_every=30.0, clock=lambda: now[0])
    caplog.set_level(logging.INFO, logger="bot.alerts.worker")
    for _ in range(900):  # a poll every 0.1 s for 90 s
        trouble.failed(OperationalError("SELECT 1", {}, OSError("down")))
        now[0] += 0.1
    trouble.ended()

    assert [r.getMessage() for r in worker_lines(caplog)] == [
        "alerts.worker.failing",
        "alerts.worker.still-failing",
        "alerts.worker.still-failing",
        "alerts.worker.recovered",
    ]
    assert [getattr(r, "failures", None) for r in worker_lines(caplog)] == [None, 301, 601, 900]
