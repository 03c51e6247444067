"""The README's setup, followed literally, against the stand-ins: the Sentry stand-in (bot/sandbox) as
Sentry, the fake Slack as Slack, the bot as its own process.

The variables and commands are read out of README.md, so this breaks when the README drifts from
what works. Only the placeholders (`xoxb-...`) are filled in, and the two base URLs point at the
stand-ins (as `SENTRY_URL` does for a self-hosted Sentry).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import socket
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.apps import family_lines, family_permissions
from bot.sandbox import run_sandbox, seed_state
from tests.fakes import FakeSlack, sentry_app_headers
from tests.fakes.signing import slack_headers, slash_command_body
from tests.scenarios.conftest import USERS

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()

# What the stand-ins accept in place of the README's placeholders.
FILLED = {
    "SLACK_BOT_TOKEN": "xoxb-readme-test",
    "SLACK_SIGNING_SECRET": "readme-signing-secret",
    "SENTRY_AUTH_TOKEN": "sntryi_" + "5e" * 32,  # an integration token: prefix + token_hex(32)
    "SENTRY_CLIENT_SECRET": "readme-client-secret",
}


def section(heading: str) -> str:
    """The README's text under `heading` (a line starting with it), up to the next heading."""
    start = next(m.end() for m in re.finditer(r"^#+ (.+)$", README, re.M) if m.group(1).startswith(heading))
    following = re.search(r"^#+ ", README[start:], re.M)
    return README[start : start + following.start()] if following else README[start:]


def commands(text: str) -> list[list[str]]:
    """The `sentry-bot ...` lines of the indented code blocks in `text`, as argument lists."""
    return [shlex.split(line.strip()) for line in text.splitlines() if line.startswith("    sentry-bot ")]


def env_block(text: str) -> dict[str, str]:
    """The KEY=value lines of the fenced block in `text`."""
    (block,) = re.findall(r"^```\n(.*?)^```", text, re.M | re.S)
    return dict(line.split("=", 1) for line in block.splitlines() if line.strip())


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def sentry_bot(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str]:
    """`sentry-bot <args>` (the console script is bot.cli:main, as `python -m bot` is)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args[1:], env=env, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=90)
    assert proc.returncode is not None
    return proc.returncode, out.decode()


def test_the_readmes_permission_table_is_what_the_commands_need():
    rows = re.findall(r"^\| ([^|]+?) \| ([^|]+?) \|$", section("2. The Sentry internal integration"), re.M)
    assert rows[1:] == family_lines(family_permissions())  # after the header row


def test_the_readme_configures_an_internal_integration():
    env = env_block(section("3. Configure and check"))
    assert set(env) == {*FILLED, "SENTRY_ORG", "BOT_PUBLIC_URL"}
    assert env["SENTRY_AUTH_TOKEN"].startswith("sntryi_")
    assert "Internal Integration" in section("2. The Sentry internal integration")


def issue_created(issue: dict[str, Any]) -> dict[str, Any]:
    """Sentry's `issue.created` webhook: the issue as its API serializes it under `data.issue`, sent by
    Sentry itself (docs.sentry.io, Integration Platform → Webhooks → Issues)."""
    return {
        "action": "created",
        "installation": {"uuid": "7a485448-a9e2-4c85-8a3c-4f44175783c9"},
        "data": {"issue": issue},
        "actor": {"type": "application", "id": "sentry", "name": "Sentry"},
    }


async def test_following_the_readme_gives_working_commands_and_alerts(fake_slack: FakeSlack, tmp_path: Path):
    readme_env = env_block(section("3. Configure and check"))
    env = {k: FILLED.get(k, v) if v.endswith("...") else v for k, v in readme_env.items()}
    for user, email in USERS.items():
        fake_slack.users[user] = {"email": email, "name": user.lower()}
    state = seed_state()
    state.auth_token = env["SENTRY_AUTH_TOKEN"]  # the stand-in refuses any other token
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SENTRY_", "BOT_", "DATABASE_"))}

    async with run_sandbox(state) as sentry_url:
        env = {**clean, **env, "SLACK_API_URL": fake_slack.api_url, "SENTRY_URL": sentry_url}

        # 1 and 2: what to enter in Slack and in Sentry
        slack_step, sentry_step = section("1. The Slack app"), section("2. The Sentry internal integration")
        ((*manifest_cmd, _redirect, _file),) = commands(slack_step)
        code, manifest = await sentry_bot(manifest_cmd, env, tmp_path)
        assert code == 0, manifest
        assert '- "127.0.0.1"' in manifest  # the unfurl domain of SENTRY_URL
        ((*app_cmd,),) = commands(sentry_step)
        code, form = await sentry_bot(app_cmd, env, tmp_path)
        assert code == 0, form
        assert f"Webhook URL:   {env['BOT_PUBLIC_URL']}/sentry/webhook" in form

        # 3: check passes
        ((*check_cmd,),) = commands(section("3. Configure and check"))
        code, checked = await sentry_bot(check_cmd, env, tmp_path)
        assert code == 0, checked
        assert "FAIL" not in checked

        # 4: run
        ((*serve_cmd,),) = commands(section("4. Run"))
        port = unused_port()
        serve_cmd[serve_cmd.index("--port") + 1] = str(port)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *serve_cmd[1:], env=env, cwd=tmp_path,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        bot_url = f"http://127.0.0.1:{port}/"
        try:
            async with aiohttp.ClientSession() as http:
                await until_healthy(http, bot_url, proc)

                # A signed slash command, as the README's step 4 types it, gets its answer.
                (typed,) = re.findall(r"`(/sentry subscribe \w+)`", section("4. Run"))
                command, _, text = typed.partition(" ")
                body = slash_command_body(
                    text, command=command, user_id="UALICE", channel_id="CALERTS",
                    response_url=fake_slack.response_url("subscribe"),
                )  # fmt: skip
                headers = slack_headers(env["SLACK_SIGNING_SECRET"], body)
                async with http.post(bot_url + "slack/events", data=body, headers=headers) as resp:
                    assert resp.status == 200
                (answer,) = await fake_slack.wait_for_response("subscribe", timeout=15)
                assert answer["text"].startswith("Subscribed to web"), answer["text"]

                # A webhook of the integration, signed with its client secret, lands in that channel.
                issue_id = next(i.id for i in state.data.issues.values() if i.project_slug == "web")
                auth = {"Authorization": f"Bearer {env['SENTRY_AUTH_TOKEN']}"}
                async with http.get(f"{sentry_url}api/0/organizations/acme/issues/{issue_id}/", headers=auth) as resp:
                    issue = await resp.json()
                payload = json.dumps(issue_created(issue)).encode()
                headers = sentry_app_headers(env["SENTRY_CLIENT_SECRET"], payload, resource="issue")
                async with http.post(bot_url + "sentry/webhook", data=payload, headers=headers) as resp:
                    assert resp.status == 200, await resp.text()
                (posted,) = await fake_slack.wait_for("chat.postMessage", timeout=15)
                assert posted["channel"] == "CALERTS"
                assert issue["title"][:40] in json.dumps(posted["blocks"])
        finally:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), timeout=30)
            except TimeoutError:
                proc.kill()
                await proc.wait()


async def until_healthy(http: aiohttp.ClientSession, url: str, proc: asyncio.subprocess.Process) -> None:
    for _ in range(300):
        if proc.returncode is not None:
            pytest.fail(f"sentry-bot serve exited with {proc.returncode}")
        try:
            async with http.get(url + "healthz") as resp:
                if resp.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.1)
    pytest.fail("sentry-bot serve did not answer /healthz")
