"""What the client sends for releases and monitors: the version as one percent-encoded segment."""

from __future__ import annotations

from typing import Any

import pytest

from bot.errors import UsageError
from bot.sentry import ReadCache, SentryClient
from bot.sentry.models import MonitorConfig


class Sent(Exception):
    pass


def recording_client() -> tuple[SentryClient, list[tuple[str, str, Any]]]:
    client = SentryClient(base_url="https://sentry.example/", token="t", org="acme", cache=ReadCache(ttl=0))
    sent: list[tuple[str, str, Any]] = []

    async def request(method: str, path: str, **kwargs: Any) -> Any:
        sent.append((method, path, kwargs.get("json") or kwargs.get("params")))
        raise Sent

    client._http.request = request  # type: ignore[method-assign]
    return client, sent


@pytest.mark.parametrize(
    ("version", "segment"),
    [
        ("web@2024.6.3", "web%402024.6.3"),
        ("com.acme.shop@5.12.0+1042", "com.acme.shop%405.12.0%2B1042"),
        ("1.0 beta?#x", "1.0%20beta%3F%23x"),
    ],
)
async def test_a_version_is_one_percent_encoded_path_segment(version, segment):
    client, sent = recording_client()
    for call in (client.get_release, client.list_release_commits, client.list_release_deploys):
        with pytest.raises(Sent):
            await call(version)
    assert [path for _, path, _ in sent] == [
        f"organizations/acme/releases/{segment}/",
        f"organizations/acme/releases/{segment}/commits/",
        f"organizations/acme/releases/{segment}/deploys/",
    ]


async def test_a_version_cannot_climb_out_of_its_segment():
    client, sent = recording_client()
    with pytest.raises(UsageError):
        await client.get_release("..")
    assert sent == []


async def test_muting_sends_the_fields_the_schema_requires_with_is_muted():
    client, sent = recording_client()
    with pytest.raises(Sent):
        await client.update_monitor(
            "nightly-billing",
            project="api",
            name="Nightly billing run",
            config={"schedule_type": "crontab", "schedule": "0 2 * * *"},
            is_muted=True,
        )
    ((method, path, body),) = sent
    assert (method, path) == ("PUT", "organizations/acme/monitors/nightly-billing/")
    assert body == {
        "project": "api",
        "name": "Nightly billing run",
        "config": {"schedule_type": "crontab", "schedule": "0 2 * * *"},
        "is_muted": True,
    }


def test_a_monitor_config_is_sent_back_as_the_update_accepts_it():
    stored = MonitorConfig.model_validate(
        {
            "schedule_type": "crontab",
            "schedule": "0 9 * * *",
            "checkin_margin": 10,
            "max_runtime": 0,  # below the update's minimum of 1: left out, not refused
            "timezone": "Europe/Berlin",
            "failure_issue_threshold": None,
            "alert_rule_id": 7,  # not a field the update takes
        }
    )
    assert stored.writable() == {
        "schedule_type": "crontab",
        "schedule": "0 9 * * *",
        "checkin_margin": 10,
        "timezone": "Europe/Berlin",
    }
    assert "timezone" not in MonitorConfig(schedule="0 9 * * *", timezone="string").writable()
