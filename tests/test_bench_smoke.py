"""The benchmark runs: `python -m bench --smoke` starts every process, runs every case briefly and
writes its JSON. Nothing here looks at how fast anything was; only that each case did real work
(answers that are issue cards or help, not errors) and that the read cache made no duplicate call.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CASES = {"floor", "floor_inline", "ack_help", "ack_WEB-1", "full_warm", "full_cold", "full_cold_paced"}


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("bench") / "smoke.json"
    run = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "| case |" in run.stdout  # the table
    return json.loads(out.read_text())


def test_every_case_ran_without_errors(smoke):
    assert CASES | {"economy", "memory"} <= set(smoke["cases"])
    for key, case in smoke["cases"].items():
        for result in case["reps"]:
            assert result["requests"] > 0, key
            assert set(result["statuses"]) == {"200"}, (key, result["statuses"])
            assert not result["failures"], (key, result["failures"])
            assert not result.get("unanswered"), (key, result.get("unanswered"))


def test_the_bot_answered_with_cards_not_errors(smoke):
    for key, case in smoke["cases"].items():
        if key.startswith("floor"):
            continue  # the floor only acks
        for result in case["reps"]:
            assert result["answer_kinds"].get("error", 0) == 0, (key, result["answer_kinds"])
            assert result["answer_kinds"].get("ok", 0) > 0, key


def test_each_issue_is_fetched_once_within_the_ttl(smoke):
    economy = smoke["cases"]["economy"]["reps"][0]
    # One member-list call maps the users; after that, the issue card's three calls per distinct issue
    # (issue details and its latest event, both under `issues/`, and its tag counts from `events/`)
    # and no more: issue 13 lets a card cost three Sentry calls, cached.
    issues = economy["distinct_issues"]
    assert economy["sentry_by_operation"] == {"members": 1, "issues": 2 * issues, "events": issues}


def test_memory_is_reported(smoke):
    memory = smoke["cases"]["memory"]["reps"][0]
    if sys.platform.startswith("linux"):
        assert memory["rss_peak"] >= memory["rss_idle"] > 0
    assert smoke["table"] and smoke["targets"]
