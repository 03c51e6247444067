"""`sentry-bot check`: reaches Slack and Sentry and says in plain words what is wrong, all of it in one run."""

from __future__ import annotations

import asyncio
import os
import socket
import sys

from bot.sandbox import run_sandbox, seed_state

INTEGRATION_TOKEN = "sntryi_" + "0123456789abcdef" * 4  # Sentry's shape: prefix + token_hex(32)


async def run_check(env: dict[str, str], *args: str) -> tuple[int, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SENTRY_", "BOT_", "CACHE_"))}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "check", *args,
        env={**clean, **env}, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode is not None
    return proc.returncode, out.decode()


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_check_passes_when_slack_and_sentry_answer(fake_slack):
    async with run_sandbox(seed_state()) as sentry_url:
        code, out = await run_check(
            {
                "SLACK_BOT_TOKEN": "xoxb-test",
                "SLACK_SIGNING_SECRET": "s",
                "SLACK_API_URL": fake_slack.api_url,
                "SENTRY_URL": sentry_url,
                "SENTRY_AUTH_TOKEN": INTEGRATION_TOKEN,
                "SENTRY_ORG": "acme",
                "SENTRY_CLIENT_SECRET": "c",
                "BOT_PUBLIC_URL": "https://bot.acme.example",
            }
        )
    assert code == 0, out
    assert "ok    SENTRY_AUTH_TOKEN is an internal integration token (sntryi_)" in out
    assert "ok    Sentry: organization acme (Acme Corp)" in out
    assert "ok    Sentry: members readable" in out
    assert "ok    Slack: signed in as" in out
    assert "FAIL" not in out and "warn" not in out
    assert INTEGRATION_TOKEN not in out


async def test_check_lists_every_problem_in_one_run():
    code, out = await run_check(
        {
            "SLACK_BOT_TOKEN": "xoxp-1234-user-token",
            "SLACK_API_URL": f"http://127.0.0.1:{unused_port()}/api/",
            "SENTRY_URL": f"http://127.0.0.1:{unused_port()}/",
            "SENTRY_AUTH_TOKEN": "sntrys_eyJpYXQiOjE3MDAwMDAwMDB9_secretpart",
            "SENTRY_ORG": "acme",
            "CACHE_TTL_SECONDS": "soon",
        }
    )
    assert code == 1
    lines = out.splitlines()
    assert (
        "FAIL  SLACK_BOT_TOKEN is a user token (xoxp-): expected the Bot User OAuth Token (xoxb-) "
        "from the Slack app's OAuth & Permissions page." in lines
    )
    assert "FAIL  CACHE_TTL_SECONDS is invalid" in out
    assert "FAIL  SLACK_SIGNING_SECRET is not set" in out
    assert "FAIL  SENTRY_AUTH_TOKEN is an organization auth token (sntrys_)" in out
    assert "FAIL  could not reach Sentry at http://127.0.0.1:" in out
    assert "warn  SENTRY_CLIENT_SECRET is not set" in out
    assert sum(line.startswith("FAIL") and "SLACK_BOT_TOKEN" in line for line in lines) == 1  # said once
    assert "xoxp-1234-user-token" not in out and "secretpart" not in out
    assert "Traceback" not in out


async def test_a_bad_token_is_told_apart_from_a_missing_permission():
    state = seed_state()
    state.auth_token = INTEGRATION_TOKEN
    async with run_sandbox(state) as sentry_url:
        env = {"SENTRY_URL": sentry_url, "SENTRY_ORG": "acme"}
        code, bad_token = await run_check({**env, "SENTRY_AUTH_TOKEN": "sntryi_" + "f" * 64}, "--mode", "console")
        # Sentry answers a token without the scope 403 with DRF's message (FAULT_DETAILS in the stand-in).
        state.fail_next(403, path_contains="/members/", method="GET")
        _, no_member_read = await run_check({**env, "SENTRY_AUTH_TOKEN": INTEGRATION_TOKEN}, "--mode", "console")
    assert code == 1
    assert "FAIL  Sentry refused SENTRY_AUTH_TOKEN (401: Invalid token)" in bad_token
    assert "Sentry refused list_members (403): the integration needs Member: Read." in no_member_read
    assert "ok    Sentry: organization acme" in no_member_read  # the other reads still ran


async def test_slack_refusing_the_token_is_said_with_slacks_error(fake_slack):
    fake_slack.invalid_tokens.add("xoxb-revoked")
    async with run_sandbox(seed_state()) as sentry_url:
        code, out = await run_check(
            {
                "SLACK_BOT_TOKEN": "xoxb-revoked",
                "SLACK_API_URL": fake_slack.api_url,
                "SENTRY_URL": sentry_url,
                "SENTRY_AUTH_TOKEN": INTEGRATION_TOKEN,
                "SENTRY_ORG": "no-such-org",
            }
        )
    assert code == 1
    assert "FAIL  Slack refused SLACK_BOT_TOKEN (invalid_auth)" in out
    assert "FAIL  Sentry has no organization 'no-such-org'" in out


async def test_socket_mode_needs_the_app_token_not_the_signing_secret(fake_slack):
    async with run_sandbox(seed_state()) as sentry_url:
        env = {
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_API_URL": fake_slack.api_url,
            "SENTRY_URL": sentry_url,
            "SENTRY_AUTH_TOKEN": INTEGRATION_TOKEN,
            "SENTRY_ORG": "acme",
        }
        code, out = await run_check(env, "--mode", "socket")
        wrong_kind, wrong_out = await run_check({**env, "SLACK_APP_TOKEN": "xoxb-not-an-app-token"}, "--mode", "socket")
    assert code == 1
    assert "FAIL  SLACK_APP_TOKEN is not set" in out
    assert "SLACK_SIGNING_SECRET" not in out
    assert wrong_kind == 1
    assert "FAIL  SLACK_APP_TOKEN is a bot token (xoxb-): expected an app-level token (xapp-)" in wrong_out


async def test_console_mode_needs_no_slack_at_all():
    async with run_sandbox(seed_state()) as sentry_url:
        code, out = await run_check(
            {"SENTRY_URL": sentry_url, "SENTRY_AUTH_TOKEN": INTEGRATION_TOKEN, "SENTRY_ORG": "acme"},
            "--mode",
            "console",
        )
    assert code == 0, out
    assert "SLACK" not in out


async def test_a_personal_token_works_but_is_warned_about():
    async with run_sandbox(seed_state()) as sentry_url:
        code, out = await run_check(
            {"SENTRY_URL": sentry_url, "SENTRY_AUTH_TOKEN": "sntryu_" + "a" * 64, "SENTRY_ORG": "acme"},
            "--mode",
            "console",
        )
    assert code == 0, out
    assert "warn  SENTRY_AUTH_TOKEN is a personal token (sntryu_)" in out


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


async def test_an_unreachable_slack_is_named_by_its_url():
    async with run_sandbox(seed_state()) as sentry_url:
        slack_url = f"http://127.0.0.1:{unused_port()}/api/"
        code, out = await run_check(
            {
                "SLACK_BOT_TOKEN": "xoxb-test",
                "SLACK_SIGNING_SECRET": "s",
                "SLACK_API_URL": slack_url,
                "SENTRY_URL": sentry_url,
                "SENTRY_AUTH_TOKEN": INTEGRATION_TOKEN,
                "SENTRY_ORG": "acme",
            }
        )
    assert code == 1
    assert f"FAIL  could not reach Slack at {slack_url}" in out
    assert "ok    Sentry: organization acme" in out
