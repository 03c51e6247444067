"""Fuzzed webhooks cannot crash, stall or block the pipeline.

In the suite a bounded run (FUZZ_WEBHOOKS, default 120; FUZZ_SEED, default 11; FUZZ_DB, sqlite
or postgresql, default sqlite). The long run:

    FUZZ_WEBHOOKS=1000 .venv/bin/python -m pytest -q -s tests/alerts/test_fuzz.py -k mutated

prints what became of every webhook (accepted, delivered, digested, quarantined, dropped with a
reason, refused with 4xx).
"""

from __future__ import annotations

import math
import os
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.alerts.models import Alert, Drop, IssueChange
from bot.alerts.parse import MAX_COUNT, Source, parse_or_drop
from tests.alerts.fuzz import SUBSCRIPTIONS, mutated, run
from tests.alerts.harness import FAKE_MIN_GAP, Pipeline, hook_payload, messages, text_of
from tests.alerts.payloads import comment, event_alert, issue_payload, metric_alert
from tests.fakes import FakeSlack
from tests.store.support import connected

COUNT = int(os.environ.get("FUZZ_WEBHOOKS", "120"))
SEED = int(os.environ.get("FUZZ_SEED", "11"))
DB = os.environ.get("FUZZ_DB", "sqlite")


@pytest.fixture
async def fuzzed(fake_slack: FakeSlack, tmp_path: Path) -> AsyncIterator[Pipeline]:
    fake_slack.enforce_rate("chat.postMessage", per_channel_per_second=1 / FAKE_MIN_GAP)
    async with connected(DB, tmp_path) as db, Pipeline.start(fake_slack, db) as started:
        yield started


async def test_mutated_webhooks_get_no_5xx_and_every_stored_one_is_accounted_for(fuzzed: Pipeline) -> None:
    pipeline = fuzzed
    for channel, project, options in SUBSCRIPTIONS:
        await pipeline.subscribe(channel, project, *options)

    tally = await run(pipeline, mutated(random.Random(SEED), count=COUNT), timeout=max(60.0, COUNT / 5))
    print(f"\n{COUNT} mutated webhooks, seed {SEED}, {DB}\n{tally.report()}")

    assert tally.server_errors == []
    assert tally.unaccounted == []
    assert sum(tally.outcomes.values()) == tally.stored
    # Nothing is stuck behind them: a clean alert still arrives.
    assert (
        await pipeline.service_hook(hook_payload(issue="999", event="last", title="TypeError: after the fuzz")) == 200
    )
    await pipeline.drained()
    assert any("after the fuzz" in text_of(m) for m in messages(pipeline.fake, "CFRONT"))


# ---------------------------------------------------------------------- parsing, as a property

_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(alphabet=st.characters(codec=None, min_codepoint=0, max_codepoint=0xDFFF), max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
_BASES = [
    (Source.SERVICE_HOOK, "event", "alert", hook_payload()),
    (Source.SENTRY_APP, "issue", "created", issue_payload("created")),
    (Source.SENTRY_APP, "issue", "assigned", issue_payload("assigned")),
    (Source.SENTRY_APP, "event_alert", "triggered", event_alert()),
    (Source.SENTRY_APP, "metric_alert", "critical", metric_alert("critical")),
    (Source.SENTRY_APP, "comment", "created", comment("created")),
]
_FIELDS = ["id", "count", "userCount", "project", "slug", "title", "issue_id", "groupID", "tags", "assignedTo"]


def _storable(value: Any) -> bool:
    """What the store can hold: no lone surrogate or NUL in text, counts in an INTEGER column."""
    if isinstance(value, str):
        return not any(0xD800 <= ord(c) <= 0xDFFF or c == "\x00" for c in value)
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, int):
        return 0 <= value <= MAX_COUNT
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_storable(k) and _storable(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return all(map(_storable, value))
    return True


def _replace_everywhere(value: Any, name: str, new: Any) -> Any:
    if isinstance(value, dict):
        return {k: new if k == name else _replace_everywhere(v, name, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_everywhere(v, name, new) for v in value]
    return value


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.sampled_from(_BASES), name=st.sampled_from(_FIELDS), value=_JSON, data=st.data())
def test_any_value_in_any_field_parses_to_something_the_store_can_hold(
    base: tuple[str, str, str, dict[str, Any]], name: str, value: Any, data: st.DataObject
) -> None:
    source, resource, action, payload = base
    payload = _replace_everywhere(payload, name, value)
    if data.draw(st.booleans()):
        payload = _replace_everywhere(payload, data.draw(st.sampled_from(_FIELDS)), data.draw(_JSON))

    parsed = parse_or_drop(source, resource, action, payload)

    assert isinstance(parsed, Alert | IssueChange | Drop)
    if not isinstance(parsed, Drop):
        dumped = parsed.model_dump(mode="json")
        assert _storable(dumped), dumped
        key_id = parsed.key.partition(":")[2]
        assert 0 < len(key_id) <= 32
