"""`sentry-bot check`: reaches Slack and Sentry and says in plain words what is wrong."""

from __future__ import annotations

import asyncio
import os
import sys

from bot.sandbox import run_sandbox, seed_state


async def run_check(env: dict[str, str]) -> tuple[int, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SENTRY_", "BOT_"))}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "check",
        env={**clean, **env}, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode is not None
    return proc.returncode, out.decode()


async def test_check_passes_when_slack_and_sentry_answer(fake_slack):
    async with run_sandbox(seed_state()) as sentry_url:
        code, out = await run_check(
            {
                "SLACK_BOT_TOKEN": "xoxb-test",
                "SLACK_SIGNING_SECRET": "s",
                "SLACK_API_URL": fake_slack.api_url,
                "SENTRY_URL": sentry_url,
                "SENTRY_AUTH_TOKEN": "sntrys_test",
                "SENTRY_ORG": "acme",
            }
        )
    assert code == 0, out
    assert "ok    Sentry: organization acme (Acme Corp)" in out
    assert "ok    Slack: signed in as" in out
    assert "sntrys_test" not in out


async def test_check_fails_in_plain_words(fake_slack):
    fake_slack.invalid_tokens.add("xoxb-revoked")
    async with run_sandbox(seed_state()) as sentry_url:
        code, out = await run_check(
            {
                "SLACK_BOT_TOKEN": "xoxb-revoked",
                "SLACK_API_URL": fake_slack.api_url,
                "SENTRY_URL": sentry_url,
                "SENTRY_AUTH_TOKEN": "sntrys_test",
                "SENTRY_ORG": "no-such-org",
            }
        )
    assert code == 1
    assert "FAIL  SLACK_SIGNING_SECRET is not set" in out
    assert "FAIL  Slack auth.test failed: invalid_auth" in out
    assert "FAIL  Sentry organization no-such-org: Sentry could not find that" in out
    assert "Traceback" not in out


async def test_socket_mode_needs_the_app_token():
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "socket",
        env={**os.environ, "SLACK_BOT_TOKEN": "xoxb-x", "SENTRY_AUTH_TOKEN": "t", "SENTRY_ORG": "acme"},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 2
    assert err.decode().strip() == (
        "sentry-bot: SLACK_APP_TOKEN is not set: expected an app-level token starting with xapp- (Socket Mode)."
    )
