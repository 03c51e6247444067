"""`sentry-bot console --demo`, driven through piped input as a new user would try it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading


def run_console(lines: list[str], *extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SENTRY_", "BOT_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", "console", "--demo", *extra],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


def test_piped_commands_print_answers_and_exit():
    result = run_console(["/sentry WEB-12A", "/sentry members"])
    assert result.returncode == 0, result.stderr
    assert "TypeError: Cannot read properties of undefined" in result.stdout
    assert "[1] Resolve" in result.stdout
    assert "bob@acme.example" in result.stdout
    assert "Traceback" not in result.stderr


def test_click_presses_a_button_through_the_same_handler_as_slack():
    result = run_console(["/sentry WEB-1", "click 2", "click 2"])
    assert result.returncode == 0, result.stderr
    assert "== Archive issue ==" in result.stdout
    assert "archived forever" in result.stdout.lower()


def test_a_destructive_command_waits_for_confirm():
    result = run_console(["/sentry member remove erin@acme.example", "click 1", "/sentry member erin@acme.example"])
    assert "This cannot be undone" in result.stdout
    assert "Erin Walsh <erin@acme.example> was removed" in result.stdout
    assert "There is no member with the email `erin@acme.example`" in result.stdout


def test_bad_input_gets_usage_and_an_example_not_a_traceback():
    result = run_console(["/sentry archive", "/sentry membrs", "click 9"])
    assert "Missing <issue>" in result.stdout
    assert "Usage: `/sentry archive <issue>" in result.stdout
    assert "Did you mean `/sentry members`" in result.stdout
    assert "Type `click N`" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_a_configuration_error_is_one_line_naming_the_variable():
    # serve stops at the first bad value; `check` lists them all instead (tests/scenarios/test_check.py).
    env = {**os.environ, "CACHE_TTL_SECONDS": "soon"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "serve"], capture_output=True, text=True, timeout=60, env=env, check=False
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("sentry-bot: CACHE_TTL_SECONDS is invalid")
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_console_speaks_the_configured_command():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SENTRY_", "BOT_"))}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--demo"],
        input="/triage archive\n",
        capture_output=True,
        text=True,
        timeout=60,
        env={**env, "SLACK_COMMAND": "/triage"},
        check=False,
    )
    assert "Usage: `/triage archive <issue>" in result.stdout
    assert "/sentry" not in result.stdout


def test_post_chart_in_the_console_shows_the_charts_words_not_an_image():
    result = run_console(["/sentry stats web", "click 2"])
    assert result.returncode == 0, result.stderr
    assert "[2] Post chart in channel" in result.stdout
    assert "(chart posted in the channel)\nChart: Received events · web, " in result.stdout
    assert "peak " in result.stdout.split("(chart posted in the channel)", 1)[1]


def test_the_ticket_form_shows_its_fields_and_a_choice_creates_the_ticket_on_the_card():
    # The Jira form (the first tracker), then "Create with Issue Type: Task".
    result = run_console(["/sentry ticket WEB-12A", "click 3"])
    assert result.returncode == 0, result.stderr
    assert "== New Jira ticket ==" in result.stdout
    assert "Jira Project *: SHOP" in result.stdout and "Issue Type *: Bug" in result.stdout
    assert "[3] Create with Issue Type: Task" in result.stdout
    assert "Jira ticket SHOP-1501 (https://acme.atlassian.net/browse/SHOP-1501) created" in result.stdout


def test_fix_prints_seers_run_as_its_thread():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SENTRY_", "BOT_"))}
    console = subprocess.Popen(
        [sys.executable, "-m", "bot", "console", "--demo"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert console.stdin is not None and console.stdout is not None
    console.stdin.write("/sentry fix WEB-12A\n")
    console.stdin.flush()
    # The run is followed after the answer; the input stays open until its result is printed
    # (a console that never prints it is stopped, and the assertions below say what was missing).
    stop = threading.Timer(60, console.kill)
    stop.start()
    seen = []
    for line in console.stdout:
        seen.append(line)
        if "Proposed steps" in line:
            break
    stop.cancel()
    console.stdin.close()
    console.wait(timeout=30)
    shown = "".join(seen)
    assert "Seer started on WEB-12A" in shown
    assert "↳ == Seer: WEB-12A ==" in shown and "↳ *Root cause*" in shown
