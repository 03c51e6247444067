"""The table: medians across repetitions with their min–max spread, ratios to the floor of the same repetition."""

from __future__ import annotations

import json
import math
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

MIB = 2**20
BOT_CASES = ("ack_help", "ack_WEB-1", "full_warm", "full_cold", "full_cold_paced")
BASELINE = "@baseline"


def spread(values: Sequence[float | None], fmt: str = "{:.0f}") -> str:
    """`median (min–max)`, or the one value."""
    present = [v for v in values if v is not None and not math.isnan(v)]
    if not present:
        return "–"
    if len(present) == 1:
        return fmt.format(present[0])
    low, high = fmt.format(min(present)), fmt.format(max(present))
    return f"{fmt.format(statistics.median(present))} ({low}–{high})"


def _median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def cpu_per_command(result: dict[str, Any]) -> float | None:
    """Server CPU (user + system) per command it received, in µs: warm-up and drain included."""
    sent = sum(result["statuses"].values())
    cpu = result.get("server_cpu_s")
    return 1e6 * cpu / sent if cpu is not None and sent and not math.isnan(cpu) else None


def render(report: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    cases: dict[str, Any] = report["cases"]
    latency_ms = report["sentry_latency_s"] * 1000
    rows: list[list[str]] = []
    verdicts: dict[str, Any] = {}

    def rps(key: str) -> list[float]:
        return [r["rps"] for r in cases.get(key, {}).get("reps", [])]

    def ratios(key: str, floor: str) -> list[float]:
        return [x / f for x, f in zip(rps(key), rps(floor), strict=False) if f]

    def verdict(name: str, value: float, limit: float, *, at_least: bool) -> str:
        met = value >= limit if at_least else value < limit
        verdicts[name] = {"value": value, "target": limit, "met": met}
        return "met" if met else "**missed**"

    def row(key: str, target: str = "", *, sentry: str | None = None, against_floor: bool = True) -> None:
        case = cases.get(key)
        if not case:
            return
        reps = case["reps"]
        per_1000 = [1000 * r["sentry_calls"] / max(1, sum(r["statuses"].values())) for r in reps]
        rows.append(
            [
                case["label"],
                str(case["connections"]),
                spread(rps(key)),
                spread(ratios(key, "floor"), "{:.2f}") if against_floor else "–",
                spread(ratios(key, "floor_inline"), "{:.2f}") if against_floor else "–",
                spread([r["median_ms"] for r in reps], "{:.1f}"),
                spread([r["p99_ms"] for r in reps], "{:.1f}"),
                spread([cpu_per_command(r) for r in reps]),
                sentry if sentry is not None else spread(per_1000, "{:.1f}"),
                target,
            ]
        )

    def bot_target(key: str) -> str:
        if key.startswith("ack_"):
            text = key.removeprefix("ack_")
            reps = cases[key]["reps"]
            answered = spread([x.get("answers_per_s") for x in reps])
            drained = spread([x.get("drain_s") for x in reps], "{:.2f}")
            met = verdict(f"ack {text}", _median(ratios(key, "floor")), 0.9, at_least=True)
            return f"≥ 0.90× floor: {met}; answered {answered}/s, backlog drained in {drained} s"
        if key == "full_warm":
            return f"≥ 0.50× floor: {verdict('full warm', _median(ratios(key, 'floor')), 0.5, at_least=True)}"
        limit = 100 + latency_ms
        p99 = _median([x["p99_ms"] for x in cases[key]["reps"]])
        return f"p99 < {limit:.0f} ms: {verdict(key.replace('_', ' '), p99, limit, at_least=False)}"

    row("floor", "the floor (Bolt's default: the ack is polled for every 10 ms)")
    row("floor_inline", "for reference: Bolt with process_before_response=True")
    for key in BOT_CASES:
        if key in cases:
            row(key, bot_target(key))
        row(key + BASELINE, "before (baseline tree)")
    if "economy" in cases:
        e = cases["economy"]["reps"][-1]
        by_op = ", ".join(f"{k} {v}" for k, v in sorted(e["sentry_by_operation"].items()))
        # The card reads an issue's details, its latest event and its tag counts (issue 13: at most
        # three calls a card), and the member list maps the users once per TTL.
        budget = 3 * e["distinct_issues"] + 1
        met = verdict("economy", e["sentry_calls"], budget + 1, at_least=False)
        row(
            "economy",
            f"≤ {budget} calls (3 a distinct issue, 1 member list): {met}; "
            f"{e['distinct_issues']} distinct issues asked for; "
            f"{e['wall_s']:.0f} s, within one TTL ({e['ttl_s']} s)",
            sentry=f"{e['sentry_calls']} in all ({by_op})",
            against_floor=False,
        )
    if "memory" in cases:
        m = cases["memory"]["reps"][-1]
        peak = m.get("rss_peak")
        if peak:
            curve = ", ".join(f"{s['commands'] // 1000}k: {s['VmRSS'] / MIB:.0f}" for s in m.get("rss_samples", []))
            met = verdict("memory", peak / 1e6, 120, at_least=False)
            target = (
                f"< 120 MB: {met}; peak RSS {peak / 1e6:.1f} MB ({peak / MIB:.1f} MiB), "
                f"idle {m['rss_idle'] / 1e6:.1f} MB; RSS MiB after {curve}"
            )
        else:
            target = "RSS not measured (no /proc)"
        cases["memory"]["label"] = f"memory: {m['commands']:,} commands, distinct issues, {m.get('users', 0):,} users"
        row("memory", target, sentry=f"{m['sentry_calls']} in all", against_floor=False)

    header = [
        "case",
        "conns",
        "commands/s",
        "vs floor",
        "vs inline floor",
        "median ms",
        "p99 ms",
        "server CPU µs/cmd",
        "Sentry calls /1000 cmds",
        "target",
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    lines += footer(
        report,
        f"Medians of {report['settings']['reps']} repetitions (min–max in brackets); ratios against the floor of the "
        f"same repetition. Sentry stand-in latency {latency_ms:.0f} ms.",
    )
    return "\n".join(lines), verdicts


def footer(report: dict[str, Any], what: str) -> list[str]:
    """The lines under a table: what it shows (`what`), the machine, and any part the run skipped."""
    skipped = [f"Skipped {name}: {reason}" for name, reason in report.get("skipped", {}).items()]
    return ["", f"{what} {_machine_line(report)}", *skipped]


def _machine_line(report: dict[str, Any]) -> str:
    """The last words of every table: the machine, its load, the versions, the commit, the duration."""
    m = report["machine"]
    bot_src = report.get("bot_src", report.get("repo"))
    bot = f"git {m['git']}" if bot_src == report.get("repo") else f"bot from {bot_src}"
    return (
        f"Machine: {m['cpu']}, {m['cores']} cores (shared), load average {m['load_avg_at_start'][0]:.2f} at start, "
        f"{report['load_avg_at_end'][0]:.2f} at end; Python {m['python']}, aiohttp {m['aiohttp']}, "
        f"slack_bolt {m['slack_bolt']}; {bot}; {report['wall_s']:.0f} s."
    )


def publish(report: dict[str, Any], table: str, verdicts: dict[str, Any], out: Path, logs: Path | None = None) -> None:
    """Write the run's JSON (every repetition's figures, the table, the verdicts) and print the table."""
    report["table"] = table
    report["targets"] = verdicts
    out.write_text(json.dumps(report, indent=2, default=float))
    print(table)
    where = f"raw figures in {out}" + (f"; server logs in {logs}" if logs else "")
    print(f"\n{report['wall_s']:.0f} s; {where}", file=sys.stderr)
