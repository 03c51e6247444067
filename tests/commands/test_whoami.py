"""`/sentry whoami` answers everyone, above all the unlinked users who need it to get linked."""

from __future__ import annotations

from bot.commands import registry
from bot.commands.dispatch import Dispatcher
from tests.permissions.builders import Team, user_id


def shown(reply) -> str:
    parts = []
    for block in reply.message["blocks"]:
        parts += [f["text"] for f in block.get("fields", [])]
        if isinstance(block.get("text"), dict):
            parts.append(block["text"]["text"])
    return "\n".join(parts)


async def test_an_unlinked_user_is_told_their_slack_id_that_they_are_unlinked_and_how_to_get_linked():
    reply = await Dispatcher(registry).run("whoami", Team.build().ctx("unmapped"))
    text = shown(reply)
    assert not text.startswith("⚠️"), text
    assert f"`{user_id('unmapped')}`" in text
    assert "*Sentry member*\nnot linked" in text
    assert f"`/sentry identity set <@{user_id('unmapped')}> <your-sentry-email>`" in text.replace("&lt;", "<").replace(
        "&gt;", ">"
    )


async def test_a_linked_member_sees_their_role_and_no_linking_advice():
    text = shown(await Dispatcher(registry).run("whoami", Team.build().ctx("member")))
    assert "*Sentry role*\nmember" in text
    assert "identity set" not in text


async def test_other_read_commands_still_refuse_unlinked_users():
    text = shown(await Dispatcher(registry).run("org", Team.build().ctx("unmapped")))
    assert text.startswith("⚠️ You can't run `org`")
