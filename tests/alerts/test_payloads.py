"""Our payload builders against Sentry's published examples (`../shared/fixtures/sentry-webhooks`,
or `SENTRY_WEBHOOK_FIXTURES`): every field a builder writes is where the example has it, with the
example's type, and the bot reads the same alert from both. Skips when the examples are absent;
every other pipeline test runs on the builders alone."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.alerts.parse import Source, parse
from tests.alerts import payloads

_DEFAULT = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "sentry-webhooks"
EXAMPLES = Path(os.environ.get("SENTRY_WEBHOOK_FIXTURES") or _DEFAULT)

# (example file, the builder in its shape, Sentry-Hook-Resource or None for a service hook)
PAIRS: list[tuple[str, Callable[[], dict[str, Any]], str | None]] = [
    ("servicehook.event.alert", payloads.hook_payload, None),
    ("issue.created", lambda: payloads.issue_payload("created", actor=None), "issue"),
    ("event_alert.triggered", payloads.event_alert, "event_alert"),
    ("metric_alert.resolved", lambda: payloads.metric_alert("resolved"), "metric_alert"),
    ("comment.created", lambda: payloads.comment("created"), "comment"),
    ("installation.created", lambda: payloads.installation("created"), "installation"),
]


def example(name: str) -> dict[str, Any]:
    path = EXAMPLES / f"{name}.json"
    if not path.is_file():
        pytest.skip(f"Sentry's published webhook examples are not at {EXAMPLES} (set SENTRY_WEBHOOK_FIXTURES)")
    return json.loads(path.read_text())


def leaves(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """(path, value) of every leaf; list items as `[]` (the first item stands for all)."""
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from leaves(item, f"{path}.{key}")
    elif isinstance(value, list) and value:
        yield from leaves(value[0], f"{path}[]")
    else:
        yield path, value


def shape(value: Any) -> str:
    return "null" if value is None else "number" if isinstance(value, int | float) else type(value).__name__


@pytest.mark.parametrize(("name", "build", "resource"), PAIRS, ids=[p[0] for p in PAIRS])
def test_every_field_we_build_is_where_sentrys_example_has_it_with_its_type(
    name: str, build: Callable[[], dict[str, Any]], resource: str | None
) -> None:
    published = dict(leaves(example(name)))
    ours = dict(leaves(build()))
    # An empty list or object of ours stands where the example has items.
    misplaced = sorted(p for p in ours if p not in published and not any(q.startswith(p) for q in published))
    assert misplaced == [], f"{name}: fields the example does not have"
    # A null on either side says nothing about the type; elsewhere the types must agree.
    both = [p for p, v in ours.items() if p in published and None not in (v, published[p])]
    assert {p: (shape(ours[p]), shape(published[p])) for p in both if shape(ours[p]) != shape(published[p])} == {}


@pytest.mark.parametrize(("name", "build", "resource"), PAIRS, ids=[p[0] for p in PAIRS])
def test_the_bot_reads_the_same_alert_from_ours_and_from_sentrys(
    name: str, build: Callable[[], dict[str, Any]], resource: str | None
) -> None:
    published, ours = example(name), build()
    source = Source.SENTRY_APP if resource else Source.SERVICE_HOOK
    resource = resource or "event"
    action = str(published.get("action") or "alert")

    def read(body: dict[str, Any]) -> Any:
        parsed = parse(source, resource, action, body)
        return parsed and parsed.model_dump(include={"kind", "key", "projects", "title", "level", "rule"})

    assert read(ours) == read(published)
