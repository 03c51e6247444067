"""Destructive commands wait for a Confirm click: only the requester's, within 5 minutes, undamaged."""

from __future__ import annotations

from typing import Any

import pytest

from bot.commands import registry
from bot.commands.dispatch import CONFIRM_SECONDS, Dispatcher, normalize
from bot.commands.registry import Command, Level
from bot.errors import PermissionDenied, SentryBotError, UsageError
from bot.interactions import Interactions
from bot.views.routing import Action, decode, encode
from tests.permissions.builders import Team, sample_text, user_id
from tests.views.read import button, visible_text

DESTRUCTIVE = [c for c in registry if c.level is Level.DESTRUCTIVE]
START = 1_714_564_800.0


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


async def ask(dispatcher: Dispatcher, team: Team, cmd: Command, role: str = "manager") -> tuple[str, str]:
    """Run `cmd` as `role`; the command text and the raw value its Confirm button carries."""
    text = sample_text(cmd, registry)
    assert text is not None, f"no example of `{cmd.name}` parses"
    reply = await dispatcher.run(text, team.ctx(role))
    confirm = button(reply.message, Action.CONFIRM)
    assert confirm is not None, visible_text(reply.message)
    return normalize(text), confirm["value"]


@pytest.mark.parametrize("cmd", DESTRUCTIVE, ids=lambda c: c.name)
async def test_only_the_requester_may_confirm(cmd: Command):
    dispatcher = Dispatcher(registry, clock=Clock())
    text, raw = await ask(dispatcher, Team.build(), cmd)

    assert dispatcher.check_confirmation(decode(raw), user_id("manager")) == text
    for other in ("owner", "bot_admin", "member"):
        with pytest.raises(PermissionDenied):
            dispatcher.check_confirmation(decode(raw), user_id(other))


async def test_a_confirmation_expires_after_five_minutes():
    clock = Clock()
    dispatcher = Dispatcher(registry, clock=clock)
    _, raw = await ask(dispatcher, Team.build(), DESTRUCTIVE[0])

    clock.now = START + CONFIRM_SECONDS
    dispatcher.check_confirmation(decode(raw), user_id("manager"))
    clock.now = START + CONFIRM_SECONDS + 1
    with pytest.raises(UsageError, match="expired"):
        dispatcher.check_confirmation(decode(raw), user_id("manager"))


FUTURE = int(START) + 60
DAMAGED: dict[str, dict[str, Any]] = {
    "not json": decode("{member remove"),
    "no command": {"by": user_id("manager"), "exp": FUTURE},
    "empty command": {"by": user_id("manager"), "exp": FUTURE, "cmd": ""},
    "command not text": {"by": user_id("manager"), "exp": FUTURE, "cmd": ["member", "remove"]},
    "expiry not a number": {"by": user_id("manager"), "exp": "later", "cmd": "member remove bob@acme.example"},
    "no requester": {"exp": FUTURE, "cmd": "member remove bob@acme.example"},
}


@pytest.mark.parametrize("value", DAMAGED.values(), ids=DAMAGED.keys())
def test_a_damaged_confirmation_is_refused(value: dict[str, Any]):
    with pytest.raises(SentryBotError):
        Dispatcher(registry, clock=Clock()).check_confirmation(value, user_id("manager"))


async def test_someone_elses_click_runs_nothing():
    team = Team.build()
    dispatcher = Dispatcher(registry, clock=Clock())
    _, raw = await ask(dispatcher, team, DESTRUCTIVE[0])

    reply = await Interactions(dispatcher).button(Action.CONFIRM, raw, team.ctx("owner"))

    assert "Only the person who asked" in visible_text(reply.message)
    assert team.audit.entries == []


async def test_the_requesters_click_runs_the_command():
    team = Team.build()
    dispatcher = Dispatcher(registry, clock=Clock())
    cmd = DESTRUCTIVE[0]
    _, raw = await ask(dispatcher, team, cmd)

    await Interactions(dispatcher).button(Action.CONFIRM, raw, team.ctx("manager"))

    (ran,) = team.audit.entries
    assert (ran.command, ran.user_id) == (cmd.name, user_id("manager"))
    assert ran.result != "denied"


@pytest.mark.parametrize("cmd", DESTRUCTIVE, ids=lambda c: c.name)
async def test_a_forged_confirmation_still_needs_the_role(cmd: Command):
    # A Confirm value made up by (or for) a member passes check_confirmation, but not authorize.
    team = Team.build()
    dispatcher = Dispatcher(registry, clock=Clock())
    text = sample_text(cmd, registry)
    forged = encode(cmd=text, by=user_id("member"), exp=FUTURE)

    reply = await Interactions(dispatcher).button(Action.CONFIRM, forged, team.ctx("member"))

    assert f"You can't run `{cmd.name}`" in visible_text(reply.message)
    assert [e.result for e in team.audit.entries] == ["denied"]
