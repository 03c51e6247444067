"""`sentry-bot console --demo` in-process: every example of every command's help, typed as written.

The examples are generated from the registry, so a new command's examples are covered as soon as it
is declared. Each runs on a fresh demo (the Sentry stand-in with its sample data and a throw-away
store), through the same `open_console` the `console --demo` mode uses.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.commands import Level, registry
from bot.views import text as t
from tests.demo import answer, demo, is_error

EXAMPLES = [(cmd, example) for cmd in registry if not cmd.hidden for example in cmd.examples]
# What must be true before the example makes sense.
SETUP = {
    "unsubscribe": ["subscribe web"],
    "unmute": ["mute WEB-12A 4h"],
    "report remove": ["report add web daily"],
    "report now": ["report add web daily"],
}
CONFIRM_LINE = t.CONFIRM.split("{summary}")[0]


@pytest.mark.parametrize(("cmd", "example"), EXAMPLES, ids=[e for _, e in EXAMPLES])
async def test_every_help_example_works_in_the_demo_as_written(cmd, example):
    async with demo() as console:
        for line in SETUP.get(cmd.name, []):
            assert not is_error(await answer(console, f"/sentry {line}"))
        lines = await answer(console, f"/sentry {example}")
        if cmd.level is Level.DESTRUCTIVE:
            assert lines[0].startswith(CONFIRM_LINE), lines
            lines = await answer(console, "click 1")
        assert lines, f"/sentry {example} showed nothing"
        assert not is_error(lines), f"/sentry {example} -> {lines}"


async def test_identity_set_with_an_at_name_typed_in_the_console_means_that_demo_user():
    async with demo() as console:
        lines = await answer(console, "/sentry identity set @bob carol@acme.example")
        assert lines == ["✅ @UBOB is now linked to carol@acme.example (admin)."]
        assert await console.services.identity.email_of("UBOB") == "carol@acme.example"


async def test_an_at_name_nobody_in_the_demo_has_is_refused_with_how_to_mention():
    async with demo() as console:
        lines = await answer(console, "/sentry identity set @nobody carol@acme.example")
        assert lines[0].startswith("⚠️ Bad <@user>: `@nobody` is not a Slack user: mention them, like @alice\n")
        assert "Usage: `/sentry identity set <@user> <email>`" in lines[0]


async def test_the_demo_keeps_subscriptions_and_the_audit_log_until_it_exits():
    async with demo() as console:
        assert not is_error(await answer(console, "/sentry subscribe api --level error,fatal"))
        subscriptions = await answer(console, "/sentry subscriptions")
        assert any(line.startswith("*api*: error, fatal") for line in subscriptions), subscriptions
        audit = await answer(console, "/sentry audit")
        assert any("ran `/sentry subscribe api --level error,fatal`: done" in line for line in audit), audit
        folder = Path(console.services.store.engine.url.database).parent
        assert folder.is_dir()
    assert not folder.exists()


async def test_share_in_the_demo_posts_the_answer_in_the_channel():
    async with demo() as console:
        lines = await answer(console, "/sentry projects")
        assert lines[-1] == "  [1] Share in channel"
        shared = await answer(console, "click 1")
        assert shared[:2] == ["(shared in the channel)", "== Projects =="]


@pytest.mark.parametrize("group_by", ["category", "project", "outcome"])
async def test_usage_in_the_demo_totals_attachment_bytes_apart_from_event_counts(group_by):
    async with demo() as console:
        (table,) = [line for line in await answer(console, f"/sentry usage --group-by {group_by}") if "```" in line]
        totals = [line for line in table.splitlines() if line.startswith("Total")]
        assert any("attachment (bytes)" in line for line in totals), table
        assert any(" error " in f"{line} " for line in totals), table


async def test_a_mute_in_the_demo_shows_its_end_as_a_time_not_slack_markup():
    async with demo() as console:
        (line,) = await answer(console, "/sentry mute web 4h")
        assert re.match(r"🔕 The project \*web\* is muted in <#CCONSOLE> until [-\d: ]+ UTC: ", line), line
        header, row = await answer(console, "/sentry mutes")
        assert header == "== Mutes in this channel =="
        assert re.fullmatch(
            r"🔕 \*web\* muted by @UCONSOLE until [-\d: ]+ UTC · 0 alerts so far · `/sentry unmute web`", row
        )
