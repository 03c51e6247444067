"""The issue card, releases and crons over signed HTTP against Prism serving Sentry's published schema.

Prism answers each request with the schema's own example (or one generated from the schema) and
refuses any request the schema does not allow, so these pass only when every call the commands make
is one sentry.io accepts, and the answers render. Skipped where Prism or the schema is absent.

`cron mute|unmute` read the monitor and send its config back. Prism's generated monitor has
`checkin_margin: 0` and `timezone: "string"`, which the update's schema refuses (minimum 1, an IANA
zone): the mute passing here shows such values are left out rather than failing the mute.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.fakes import FakeSlack
from tests.scenarios.conftest import BotUnderTest, bot_settings, know_users, serving
from tests.views.limits import assert_within_limits


@pytest.fixture
async def prism_bot(fake_slack: FakeSlack, prism_url: str, tmp_path: Path) -> AsyncIterator[BotUnderTest]:
    know_users(fake_slack)
    # Prism's example members are not the test workspace's people: Alice runs as a bot admin.
    settings = bot_settings(fake_slack, prism_url, tmp_path, bot_admins=frozenset({"UALICE"}))
    async with serving(settings) as (url, bolt_app), aiohttp.ClientSession() as http:
        yield BotUnderTest(url, fake_slack, None, http, bolt_app, prism_url)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "command",
    [
        "issue 1",
        "issue PUMP-STATION-1",
        "releases",
        "releases pump-station",
        "release frontend@1.0.0+build.7",
        "crons",
        "crons pump-station",
        "cron nightly-billing",
        "cron mute nightly-billing",
        "cron unmute nightly-billing",
    ],
)
async def test_command_answers_from_the_published_schema(prism_bot, command):
    answer = await prism_bot.command(command)
    assert_within_limits(answer)
    assert not answer["text"].startswith("⚠️"), answer["text"]
