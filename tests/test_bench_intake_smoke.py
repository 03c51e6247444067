"""The intake and storm benchmarks run: `python -m bench.intake --quick` starts every server (the raw
handler, the bot on SQLite and on PostgreSQL when it answers) and a load generator per run;
`python -m bench.storm --quick` sends a small storm into the fake Slack. Nothing here looks at how
fast anything was: only that every case ran, every webhook was answered 2xx and found in the outbox
(durable), and the storm's accounting adds up (nothing lost, nothing twice, Slack's pace kept).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent


def run_bench(module: str, out: Path, *extra: str) -> dict[str, Any]:
    run = subprocess.run(
        [sys.executable, "-m", module, "--quick", "--out", str(out), *extra],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report: dict[str, Any] = json.loads(out.read_text())
    assert "| " in run.stdout  # the table
    return report


@pytest.fixture(scope="module")
def intake(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return run_bench("bench.intake", tmp_path_factory.mktemp("bench") / "intake.json")


def test_every_intake_case_ran_on_every_server(intake: dict[str, Any]) -> None:
    servers = {key for key, _label in intake["servers"]}
    assert {"raw", "sqlite"} <= servers
    assert "postgres" in servers or "postgres" in intake["skipped"]
    cases = {f"open_{rate}" for rate in intake["settings"]["rates"]}
    cases |= {f"max_{n}" for n in intake["settings"]["connections"]}
    assert {f"{case}/{server}" for case in cases for server in servers} == set(intake["cases"])


def test_every_webhook_was_answered_2xx_and_stored(intake: dict[str, Any]) -> None:
    for key, case in intake["cases"].items():
        for result in case["reps"]:
            assert result["sent"] > 0, key
            assert set(result["statuses"]) == {"200"}, (key, result["statuses"])
            assert not result["failures"], (key, result["failures"])
            assert result["durable"], (key, result["outbox_rows_added"], result["stored"])
            if not key.endswith("/raw"):
                assert result["stored"] == result["statuses"]["200"], key  # distinct event ids: no dedupe


def test_the_intake_table_and_targets_are_reported(intake: dict[str, Any]) -> None:
    assert intake["table"].startswith("| server |")
    assert intake["targets"]
    assert 4000 <= intake["body_bytes"] <= 6000  # "roughly 5 KB"


def test_a_small_storm_is_accounted_for(tmp_path: Path) -> None:
    storm = run_bench("bench.storm", tmp_path / "storm.json")
    (runs,) = storm["runs"].values()
    for result in runs:
        assert result["alerts_accepted"] == result["alerts_sent"] > 0
        assert (result["lost"], result["duplicates"]) == (0, 0)
        assert result["max_calls_per_channel_second"] <= 1
        assert result["counted"] == result["alerts_accepted"]
