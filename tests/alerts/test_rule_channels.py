"""The channel an alert rule chose: read from the webhook, resolved once through Slack, kept in the
store (SQLite and PostgreSQL), paused when Slack refuses it."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select

from bot.alerts.models import Alert
from bot.alerts.parse import parse
from bot.alerts.rule_channels import RuleChannels, pause
from bot.slack.channels import ChannelDirectory, is_channel_id, normalize
from bot.store.alerts import deliveries
from bot.store.rule_channels import rule_channels
from tests.alerts.payloads import event_alert, metric_alert

NOW = 1_700_000_000.0


def parsed(resource: str, action: str, payload: dict) -> Alert:
    alert = parse("sentry_app", resource, action, payload)
    assert isinstance(alert, Alert)
    return alert


def test_an_issue_alert_carries_the_channel_its_rule_chose():
    assert parsed("event_alert", "triggered", event_alert(channel="#general")).rule_channels == ("#general",)
    assert parsed("event_alert", "triggered", event_alert()).rule_channels == ()


@pytest.mark.parametrize(
    ("action", "expected"),
    [("critical", ("#ops",)), ("warning", ("#general",)), ("resolved", ("#ops", "#general"))],
)
def test_a_metric_alert_takes_the_channel_of_the_trigger_that_fired(action, expected):
    payload = metric_alert(action, channels={"critical": "#ops", "warning": "#general"})
    assert parsed("metric_alert", action, payload).rule_channels == expected


def test_settings_that_are_not_the_bots_channel_are_ignored():
    payload = event_alert()
    payload["data"]["issue_alert"]["settings"] = [{"name": "title", "value": "x"}, "junk", {"name": "channel"}]
    assert parsed("event_alert", "triggered", payload).rule_channels == ()


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("#General", "general"),
        ("general", "general"),
        (" C024BE91L ", "C024BE91L"),
        ("<#C024BE91L|general>", "C024BE91L"),
    ],
)
def test_a_channel_setting_is_a_name_or_an_id(typed, key):
    assert normalize(typed) == key


@given(st.text(max_size=40))
def test_normalizing_twice_changes_nothing_and_names_have_no_hash(value):
    key = normalize(value)
    assert normalize(key) == key or key.startswith("#")
    assert is_channel_id(key) or key == key.lower()


def workspace(fake_slack, count: int) -> AsyncWebClient:
    fake_slack.channels = {f"C{n:08d}": {"name": f"team-{n:03d}"} for n in range(count)}
    fake_slack.channels["GPRIVATE1"] = {"name": "ops", "is_private": True, "is_member": True}
    fake_slack.channels["GPRIVATE2"] = {"name": "secret", "is_private": True}
    fake_slack.channels["CARCHIVED"] = {"name": "old", "is_archived": True}
    return AsyncWebClient(token="xoxb-test", base_url=fake_slack.api_url)


async def test_the_directory_reads_every_page_and_only_channels_the_bot_can_post_in(fake_slack):
    directory = ChannelDirectory(workspace(fake_slack, 450))
    found = await directory.postable("", limit=1000)
    assert len(found) == 451  # 450 public, the private one it is in; not the archived, not the other private
    assert {c.name for c in found} >= {"ops", "team-449"}
    assert not {"old", "secret"} & {c.name for c in found}
    assert [call.get("cursor") for call in fake_slack.calls_to("conversations.list")] == [None, "page:200", "page:400"]
    assert (await directory.find("#team-007")).id == "C00000007"
    assert await directory.find("#secret") is None
    assert fake_slack.count("conversations.list") == 3  # kept: one listing answers all of that


async def test_routing_resolves_a_name_once_and_then_reads_the_store(fake_slack, any_db):
    channels = RuleChannels(any_db, ChannelDirectory(workspace(fake_slack, 3), ttl=0.0))
    assert await channels.resolve(["#team-001", "C00000002"], NOW) == {
        "#team-001": "C00000001",
        "C00000002": "C00000002",
    }
    listed = fake_slack.count("conversations.list")
    again = RuleChannels(any_db, ChannelDirectory(AsyncWebClient(token="xoxb-test", base_url=fake_slack.api_url)))
    assert await again.resolve(["#Team-001"], NOW + 5) == {"#Team-001": "C00000001"}
    assert fake_slack.count("conversations.list") == listed  # another replica reads the row


async def test_a_setting_that_names_nothing_asks_slack_nothing(fake_slack, any_db):
    channels = RuleChannels(any_db, ChannelDirectory(workspace(fake_slack, 1)), notify=("UADMIN",))
    assert await channels.resolve(["#", " "], NOW) == {"#": None, " ": None}
    assert fake_slack.count("conversations.list") == 0


async def test_an_unknown_name_is_asked_again_only_after_the_recheck(fake_slack, any_db):
    channels = RuleChannels(any_db, ChannelDirectory(workspace(fake_slack, 1), ttl=0.0), recheck=600.0)
    assert await channels.resolve(["#later"], NOW) == {"#later": None}
    assert await channels.resolve(["#later"], NOW + 10) == {"#later": None}
    assert fake_slack.count("conversations.list") == 1
    fake_slack.channels["CLATER001"] = {"name": "later"}
    assert await channels.resolve(["#later"], NOW + 601) == {"#later": "CLATER001"}


async def test_a_paused_channel_routes_nothing_until_a_rule_naming_it_is_saved(fake_slack, any_db):
    channels = RuleChannels(any_db, ChannelDirectory(workspace(fake_slack, 2), ttl=0.0), notify=("UADMIN",))
    assert await channels.resolve(["#team-000"], NOW) == {"#team-000": "C00000000"}

    async with any_db.transaction() as conn:
        assert await conn.run_sync(
            lambda c: pause(c, any_db, "C00000000", "the channel was archived", NOW, notify=("UADMIN",))
        )
        assert not await conn.run_sync(lambda c: pause(c, any_db, "C00000000", "again", NOW, notify=("UADMIN",)))
    assert await channels.resolve(["#team-000", "C00000000"], NOW + 1) == {"#team-000": None, "C00000000": None}
    async with any_db.read() as conn:
        notices = (await conn.execute(select(deliveries.c.channel_id, deliveries.c.payload))).all()
    assert [(n.channel_id, n.payload["rule"]["reason"]) for n in notices] == [("UADMIN", "the channel was archived")]

    saved = await channels.check("#team-000", NOW + 2)
    assert saved is not None and saved.id == "C00000000"
    assert await channels.resolve(["#team-000"], NOW + 3) == {"#team-000": "C00000000"}


async def test_two_replicas_resolving_the_same_name_at_once_keep_one_row(fake_slack, any_db):
    client = workspace(fake_slack, 2)
    first, second = (RuleChannels(any_db, ChannelDirectory(client)) for _ in range(2))
    results = await asyncio.gather(first.resolve(["#team-001"], NOW), second.resolve(["#team-001"], NOW))
    assert results == [{"#team-001": "C00000001"}] * 2
    async with any_db.read() as conn:
        rows = (await conn.execute(select(rule_channels.c.value, rule_channels.c.channel_id))).all()
    assert [tuple(r) for r in rows] == [("team-001", "C00000001")]


async def test_slack_failing_drops_nothing_into_the_store_and_backs_off(fake_slack, any_db):
    channels = RuleChannels(any_db, ChannelDirectory(workspace(fake_slack, 1), ttl=0.0))
    fake_slack.fail_next("conversations.list", error="missing_scope")
    assert await channels.resolve(["#team-000"], NOW) == {"#team-000": None}
    assert await channels.resolve(["#team-000"], NOW + 1) == {"#team-000": None}  # not asked again at once
    assert fake_slack.count("conversations.list") == 1
    async with any_db.read() as conn:
        assert (await conn.execute(select(rule_channels))).all() == []
