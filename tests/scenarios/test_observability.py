"""What an operator sees of a journey: one log line per command and per webhook, the metrics
people alert on at `/metrics`, and never a token, a secret or what somebody typed."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.logs import configure_logging
from tests.fakes.sentry_hooks import service_hook_alert
from tests.fakes.signing import service_hook_headers
from tests.scenarios.conftest import SIGNING_SECRET, BotUnderTest

# A secret somebody pastes into a command: the forwarder's Splunk token.
PASTED_SECRET = "f3a9c1d2-splunk-hec-7b6e"
FORWARDER = (
    f"forwarder add splunk --config instance_url=https://splunk.acme.example:8088,index=main,token={PASTED_SECRET}"
)


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """Every record of the test, as `LOG_LEVEL=DEBUG LOG_FORMAT=json` writes it (the most that can leak)."""
    out = io.StringIO()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_logging("DEBUG", "json", stream=out)
    root.handlers += [h for h in handlers if h not in root.handlers]  # pytest's capture, for failures
    try:
        yield out
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def lines(out: io.StringIO, message: str) -> list[dict[str, Any]]:
    parsed = [json.loads(line) for line in out.getvalue().splitlines()]
    return [line for line in parsed if line["message"] == message]


async def alert_journey(bot: BotUnderTest) -> None:
    """Subscribe #alerts to web, Sentry's service hook fires, the alert is posted."""
    await bot.command("subscribe web", user="UDAVE", channel="CALERTS")
    assert await bot.service_hook(service_hook_alert(project="web")) == 200
    await bot.slack.wait_for("chat.postMessage", timeout=10)


async def test_each_command_logs_one_info_line_with_its_name_outcome_time_and_user(bot, json_logs) -> None:
    await bot.command("org", user="UDAVE")
    await bot.command("member add newbie@acme.example member", user="UDAVE")

    org, member_add = lines(json_logs, "command")
    assert org["level"] == "INFO"
    assert org["logger"] == "bot.commands"
    assert {k: org["fields"][k] for k in ("command", "outcome", "user")} == {
        "command": "org",
        "outcome": "ok",
        "user": "UDAVE",
    }
    assert isinstance(org["fields"]["ms"], float)
    assert (member_add["fields"]["command"], member_add["fields"]["outcome"]) == ("member add", "denied")
    assert "newbie@acme.example" not in json.dumps(member_add)


async def test_each_webhook_logs_one_info_line_with_resource_action_and_outcome(bot, json_logs) -> None:
    await alert_journey(bot)
    forged = json.dumps(service_hook_alert(project="web")).encode()
    async with bot.http.post(
        bot.url + "sentry/webhook", data=forged, headers=service_hook_headers("wrong", forged, guid="nope")
    ) as resp:
        assert resp.status == 401

    stored, refused = lines(json_logs, "alerts.webhook")
    assert stored["level"] == refused["level"] == "INFO"
    assert {k: stored["fields"][k] for k in ("kind", "resource", "action", "outcome", "status")} == {
        "kind": "service_hook",
        "resource": "event",
        "action": "alert",
        "outcome": "stored",
        "status": 200,
    }
    assert (refused["fields"]["outcome"], refused["fields"]["status"]) == ("unknown_hook", 401)


async def test_no_token_or_secret_reaches_the_logs_of_a_journey(bot, json_logs) -> None:
    await bot.command("org")
    await bot.command(FORWARDER)
    await alert_journey(bot)
    await bot.command("WEB-12A", user="UBOB")

    logged = json_logs.getvalue()
    assert lines(json_logs, "command")  # the journey was logged
    hook_secrets = [h.secret for h in bot.sentry.data.hooks.values()]
    for secret in ["xoxb-test", SIGNING_SECRET, "sntrys_test", PASTED_SECRET, *hook_secrets]:
        assert secret not in logged


def families(text: str) -> dict[str, Any]:
    """The exposition parsed as Prometheus parses it (a malformed line raises)."""
    return {family.name: family for family in text_string_to_metric_families(text)}


async def test_metrics_after_a_journey_show_every_family_people_alert_on(bot) -> None:
    await bot.command("org")
    await bot.command("org")  # a cache hit
    await alert_journey(bot)
    async with bot.http.get(bot.url + "metrics") as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/plain; version=")  # the text exposition format
        found = families(await resp.text())

    def sample(family: str, suffix: str = "", **labels: str) -> float:
        values = [
            s.value
            for s in found[family].samples
            if s.name == family + suffix and all(s.labels.get(k) == v for k, v in labels.items())
        ]
        assert values, (family, suffix, labels, found[family].samples[:5])
        return sum(values)

    assert sample("sentry_bot_commands", "_total", command="org", outcome="ok") >= 2
    assert sample("sentry_bot_command_seconds", "_count", command="org") >= 2
    assert sample("sentry_bot_sentry_request_duration_seconds", "_count", status="200") >= 1
    assert found["sentry_bot_sentry_request_duration_seconds"].type == "histogram"
    assert sample("sentry_bot_slack_api_calls", "_total", method="chat.postMessage", status="ok") >= 1
    assert sample("sentry_bot_read_cache_lookups", "_total", result="hit") >= 1
    assert sample("sentry_bot_read_cache_lookups", "_total", result="miss") >= 1
    assert sample("sentry_bot_webhooks", "_total", kind="service_hook", outcome="stored") >= 1
    assert sample("sentry_bot_alert_delivery_lag_seconds", "_count") >= 1
    assert found["sentry_bot_alert_delivery_lag_seconds"].type == "histogram"
    assert sample("sentry_bot_outbox_depth", stage="routing") == 0  # routed already
    assert {s.labels["stage"] for s in found["sentry_bot_outbox_depth"].samples} == {"routing", "delivery", "digest"}
    assert sample("sentry_bot_outbox_oldest_age_seconds") >= 0
    assert sample("sentry_bot_build_info") == 1
    assert set(found["sentry_bot_build_info"].samples[0].labels) == {"version", "python"}
    assert sample("process_resident_memory_bytes") > 0
    assert sample("python_info") == 1


async def test_the_outbox_gauges_count_what_waits_and_how_long(bot) -> None:
    """A webhook stored while no channel can take it yet: its age and the depth show at the next scrape."""
    await bot.command("subscribe web", user="UDAVE", channel="CALERTS")
    bot.slack.fail_next("chat.postMessage", status=429, retry_after=30)  # Slack keeps the alert waiting
    (hook,) = [h for h in bot.sentry.data.hooks.values() if h.url == "https://bot.acme.example/sentry/webhook"]
    body = json.dumps(service_hook_alert(project="web")).encode()
    async with bot.http.post(
        bot.url + "sentry/webhook", data=body, headers=service_hook_headers(hook.secret, body, guid=hook.id)
    ) as resp:
        assert resp.status == 200
    await bot.slack.wait_for("chat.postMessage", timeout=10)

    async with bot.http.get(bot.url + "metrics") as resp:
        found = families(await resp.text())
    depth = {s.labels["stage"]: s.value for s in found["sentry_bot_outbox_depth"].samples}
    (age,) = found["sentry_bot_outbox_oldest_age_seconds"].samples
    assert depth["routing"] + depth["delivery"] == 1
    assert age.value > 0
    refused = [
        s
        for s in found["sentry_bot_slack_api_calls"].samples
        if s.labels == {"method": "chat.postMessage", "status": "ratelimited"}
    ]
    assert refused and refused[0].value >= 1
