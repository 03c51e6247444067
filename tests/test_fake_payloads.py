"""The project's own Sentry payloads keep the published shape (checked when ../shared/ is there)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.sentry_hooks import service_hook_alert

REPO = Path(__file__).resolve().parent.parent


def published(name: str) -> dict[str, Any]:
    """One of Sentry's published example webhooks, or a skip saying where it is looked for."""
    raw = os.environ.get("SENTRY_WEBHOOK_FIXTURES")
    path = (Path(raw) if raw else REPO.parent / "shared" / "fixtures" / "sentry-webhooks") / f"{name}.json"
    if not path.is_file():
        pytest.skip(f"Sentry's published example {path.name} is not at {path}: set SENTRY_WEBHOOK_FIXTURES")
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def shape(value: Any) -> Any:
    """Keys and value types, the values left out."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(v) for v in value]
    return type(value).__name__


def test_the_service_hook_builder_has_the_published_shape() -> None:
    assert shape(service_hook_alert()) == shape(published("servicehook.event.alert"))


def test_the_service_hook_builder_speaks_of_the_issue_and_event_it_is_given() -> None:
    body = service_hook_alert(project="web", issue="42", event="e" * 32, level="fatal", tags={"release": "1.2"})
    group, event = body["group"], body["event"]
    assert (body["project"]["slug"], group["project"]["slug"]) == ("web", "web")
    assert (group["id"], event["groupID"], group["shortId"]) == ("42", "42", "WEB-42")
    assert event["id"] == event["eventID"] == "e" * 32
    assert event["url"] == group["url"] + f"events/{'e' * 32}/"
    assert {"key": "release", "value": "1.2"} in event["tags"]
    assert group["level"] == "fatal"
