"""Finding issues from Slack: `issues`, `mine`, `unassigned`, their rows' menus, More, and plain English.

Typed as Slack delivers it, answered where Slack would receive it, against the Sentry stand-in.
"""

from __future__ import annotations

import itertools
from typing import Any

from bot.views.routing import Action, decode
from tests.fakes.signing import block_actions_body
from tests.scenarios.conftest import BotUnderTest
from tests.views.limits import assert_within_limits
from tests.views.read import sections, visible_text

_menus = itertools.count()


def issue_rows(answer: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in answer["blocks"] if b.get("accessory", {}).get("type") == "overflow"]


def short_ids(answer: dict[str, Any]) -> list[str]:
    return [row["text"]["text"].split("|", 1)[1].split(">", 1)[0] for row in issue_rows(answer)]


def option(row: dict[str, Any], do: str) -> str:
    return next(o["value"] for o in row["accessory"]["options"] if decode(o["value"])["do"] == do)


def button_value(answer: dict[str, Any], action_id: str) -> str:
    for block in answer["blocks"]:
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            if element.get("action_id") == action_id:
                return str(element["value"])
    raise AssertionError(f"no {action_id} button in {answer['text']}")


async def choose(bot: BotUnderTest, value: str, *, user: str = "UALICE") -> dict[str, Any]:
    """A choice in a row's overflow menu, on the ephemeral list (Slack sends no `message` then)."""
    key = f"menu-{next(_menus)}"
    body = block_actions_body(
        Action.ROW,
        value,
        action_type="overflow",
        user_id=user,
        ephemeral=True,
        response_url=bot.slack.response_url(key),
    )
    resp = await bot.post(body)
    assert resp.status == 200
    (answer,) = await bot.slack.wait_for_response(key, count=1, timeout=10)
    return answer


async def click(bot: BotUnderTest, action_id: str, value: str, *, user: str = "UALICE") -> dict[str, Any]:
    key = await bot.click(action_id, value, user=user)
    (answer,) = await bot.slack.wait_for_response(key, count=1, timeout=10)
    return answer


def searched(bot: BotUnderTest) -> list[dict[str, list[str]]]:
    """The query strings of the issue-list requests Sentry received."""
    return [
        {k: r.query.getall(k) for k in r.query}
        for r in bot.sentry.requests
        if r.path.endswith("/organizations/acme/issues/")
    ]


async def test_a_projects_errors_of_the_last_day(bot):
    answer = await bot.command("issues web level:error --period 24h")
    assert_within_limits(answer)
    rows = issue_rows(answer)
    assert rows
    assert all("error · " in row["text"]["text"] and " in 24h · last seen " in row["text"]["text"] for row in rows)
    assert all(s.startswith("WEB-") for s in short_ids(answer))
    (query,) = searched(bot)
    assert query["query"] == ["is:unresolved level:error"]
    assert query["project"] == [bot.sentry.data.projects["web"].id]  # the endpoint reads ids, not slugs
    assert query["statsPeriod"] == ["24h"]


async def test_more_shows_the_next_page_in_place(bot):
    first = await bot.command("issues")
    more = await click(bot, Action.MORE, button_value(first, Action.MORE))
    assert more["replace_original"] is True
    assert short_ids(more)
    assert not set(short_ids(more)) & set(short_ids(first))
    assert_within_limits(more)


async def test_a_rows_menu_resolves_the_issue_with_the_commands_permission_check(bot):
    listed = await bot.command("issues api")
    row = next(r for r in issue_rows(listed) if "API-" in r["text"]["text"])
    issue_id = decode(option(row, "resolve"))["issue"]

    refused = await choose(bot, option(row, "resolve"), user="UFRANK")  # billing: may read, not change
    assert "You can't run `resolve`" in visible_text(refused)
    assert bot.sentry.data.issues[issue_id].status == "unresolved"

    resolved = await choose(bot, option(row, "resolve"), user="UDAVE")
    assert bot.sentry.data.issues[issue_id].status == "resolved"
    assert "<@UDAVE>" in visible_text(resolved)
    assert resolved.get("replace_original") is not True  # the list stays; the card comes below it
    audit = await bot.command("audit")
    assert "resolve" in visible_text(audit)
    assert issue_id in visible_text(audit)


async def test_a_rows_menu_opens_the_card_and_assigns_to_whoever_chose(bot):
    listed = await bot.command("unassigned web")
    row = issue_rows(listed)[0]
    issue_id = decode(option(row, "open"))["issue"]
    card = await choose(bot, option(row, "open"))
    assert button_value(card, Action.RESOLVE)
    assigned = await choose(bot, option(row, "assign_me"), user="UALICE")
    assert "assigned to <@UALICE>" in visible_text(assigned)
    actor = bot.sentry.data.issues[issue_id].assignee
    assert actor is not None
    assert bot.sentry.data.member_by_user(actor.id).email == "alice@acme.example"


async def test_mine_is_the_requesters_member_not_the_tokens_user(bot):
    answer = await bot.command("mine", user="UBOB")
    (query,) = searched(bot)
    assert query["query"] == ["is:unresolved assigned:bob@acme.example"]
    rows = sections(answer)
    assert issue_rows(answer)
    assert all("Bob Okafor" in row for row in rows if "API-" in row)


async def test_me_in_a_query_means_the_person_who_typed_it(bot):
    await bot.command("issues api assigned:me --sort freq", user="UDAVE")
    (query,) = searched(bot)
    assert query["query"] == ["is:unresolved assigned:dave@acme.example"]
    assert query["sort"] == ["freq"]


async def test_someone_unlinked_is_told_how_to_link(bot):
    answer = await bot.command("mine", user="USTRANGER")
    text = visible_text(answer)
    assert text.startswith("⚠️")
    assert "not linked to a Sentry member" in text
    assert "identity set" in text
    assert searched(bot) == []


async def test_nothing_found_says_what_was_searched_and_what_to_try(bot):
    answer = await bot.command("issues web level:debug --env staging")
    text = visible_text(answer)
    assert "`is:unresolved level:debug`" in text
    assert "No issue matches this search" in text
    assert "--period 90d" in text  # a wider period
    assert "Every environment: `/sentry issues web level:debug`" in text


async def test_a_misspelt_project_is_answered_with_the_near_one(bot):
    answer = await bot.command("issues wbe")
    assert "did you mean `/sentry issues web`" in visible_text(answer)
    refused = await bot.command("unassigned wbe")
    assert "There is no project `wbe`. Did you mean `web`?" in visible_text(refused)


async def test_plain_english_is_answered_with_the_command_and_a_button_that_runs_it(bot):
    answer = await bot.command("show me errors in web")
    assert "`/sentry issues web level:error`" in visible_text(answer)
    assert searched(bot) == []  # nothing runs until it is asked for
    ran = await click(bot, Action.RUN, button_value(answer, Action.RUN))
    assert ran["replace_original"] is True
    assert short_ids(ran)
    assert all(s.startswith("WEB-") for s in short_ids(ran))


async def test_the_suggestion_runs_with_the_clickers_permissions(bot):
    answer = await bot.command("my issues", user="UBOB")
    ran = await click(bot, Action.RUN, button_value(answer, Action.RUN), user="USTRANGER")
    assert "not linked to a Sentry member" in visible_text(ran)


async def test_an_email_in_a_query_reaches_sentry_as_typed_not_as_slacks_mailto_link(bot):
    await bot.command("issues assigned:bob@acme.example")  # Slack sends <mailto:bob@acme.example|bob@acme.example>
    (query,) = searched(bot)
    assert query["query"] == ["is:unresolved assigned:bob@acme.example"]


async def test_a_search_sentry_cannot_read_says_why_and_how_searches_are_written(bot):
    answer = await bot.command("issues is:sleeping")
    text = visible_text(answer)
    assert text.startswith("⚠️ Sentry could not search for `is:sleeping`: Invalid value for")
    assert "`key:value` filters" in text
    assert "Example: `/sentry issues web is:unresolved level:error`" in text
