"""Following a Seer run: backed-off polls, a bound, the alert's thread, and a stop at shutdown."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.sandbox import run_sandbox, seed_state
from bot.seer import SeerRuns
from bot.sentry import SentryClient

WEB_12A = "5501024301"


class Thread:
    """What the runner posted: (channel, text, thread_ts), and a ts for each post."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, str, str | None]] = []

    async def post(self, channel: str, text: str, blocks: list[dict[str, Any]], thread_ts: str | None) -> str:
        self.posts.append((channel, text + " " + str(blocks), thread_ts))
        return f"17000000{len(self.posts):02d}.000100"


class Clock:
    """A sleep that only records how long it was asked to wait."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(0)


@pytest.fixture
async def sentry() -> AsyncIterator[SentryClient]:
    async with run_sandbox(seed_state()) as url, SentryClient(base_url=url, token="t", org="acme") as client:
        yield client


async def settle(runs: SeerRuns) -> None:
    """Until the runs followed have finished (as BotUnderTest.settled waits on the bot's tasks)."""
    if runs._tasks:
        await asyncio.wait(set(runs._tasks))


async def test_a_run_is_polled_with_backoff_and_its_result_posted_in_the_alerts_thread(sentry):
    client = sentry
    thread, clock = Thread(), Clock()

    async def alert_ts(channel: str, issue_id: str) -> str | None:
        return "1699999999.000200" if (channel, issue_id) == ("C123", WEB_12A) else None

    runs = SeerRuns(post=thread.post, thread_of=alert_ts, delays=(1, 2, 4), sleep=clock.sleep)
    issue = await client.get_issue(WEB_12A)
    await client.start_autofix(WEB_12A)
    await runs.follow(client, issue, channel="C123", by="UALICE")
    await settle(runs)

    assert clock.waits == [1, 2, 4]  # the run finishes at its third poll
    assert {ts for _, _, ts in thread.posts} == {"1699999999.000200"}
    started, *steps, result = (text for _, text, _ in thread.posts)
    assert "Seer is looking" in started
    assert len(steps) == 3  # each step once, though polled again after it finished
    assert "Root cause" in result and "Proposed steps" in result


async def test_a_run_that_does_not_finish_within_the_bound_is_left_to_sentry(sentry):
    client = sentry
    thread, clock = Thread(), Clock()
    runs = SeerRuns(post=thread.post, delays=(30,), max_seconds=60, sleep=clock.sleep)
    issue = await client.get_issue(WEB_12A)
    # No run started: Sentry answers `{"autofix": null}` to every poll.
    await runs.follow(client, issue, channel="C123", by="UALICE")
    await settle(runs)

    assert clock.waits == [30, 30]
    *_, (_, last, ts) = thread.posts
    assert "still working" in last and "seerDrawer=true" in last
    assert ts == "1700000001.000100"  # under the message that said Seer started


async def test_close_stops_following_the_runs_under_way(sentry):
    client = sentry
    thread = Thread()
    runs = SeerRuns(post=thread.post, delays=(3600,))
    await runs.follow(client, await client.get_issue(WEB_12A), channel="C123", by="UALICE")
    assert runs.following == 1

    await runs.close(grace=1)

    assert runs.following == 0
    assert len(thread.posts) == 1  # only "Seer is looking"
