"""Tickets and Seer, as Slack delivers them: `/sentry ticket`, the Create ticket button, the tracker's
form as a modal and its submission, and `/sentry fix` posting Seer's run into a thread."""

from __future__ import annotations

import json
from typing import Any

import pytest

import bot.seer
from bot.views.routing import Action, Callback, decode
from bot.views.tickets import field_action, field_block
from tests.fakes.signing import slack_headers, view_submission_body
from tests.scenarios.conftest import SIGNING_SECRET
from tests.scenarios.test_buttons_and_modals import WEB_12A, button_value

JIRA, GITHUB = "130415", "130414"


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The modal's input blocks by block id."""
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


def as_submitted(view: dict[str, Any], **typed: str) -> dict[str, dict[str, Any]]:
    """`view.state.values` for the form as it opened, with `typed` (field name → text) typed over it."""
    values: dict[str, dict[str, Any]] = {}
    for block_id, block in inputs(view).items():
        element = block["element"]
        name = block_id.removeprefix("ticket.")
        state: dict[str, Any] = {"type": element["type"]}
        if element["type"] == "static_select":
            state["selected_option"] = element.get("initial_option")
        elif element["type"] in ("multi_static_select", "checkboxes"):
            state["selected_options"] = element.get("initial_options", [])
        else:
            state["value"] = typed.get(name, element.get("initial_value"))
        values[block_id] = {element["action_id"]: state}
    return values


async def submit_form(bot, view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """Submit the modal as Slack does; the ack's body ({} when it just closes the modal)."""
    body = view_submission_body(
        Callback.TICKET,
        values,
        private_metadata=view["private_metadata"],
        user_id="UALICE",
        view={"blocks": view["blocks"]},
    )
    async with bot.http.post(bot.url + "slack/events", data=body, headers=slack_headers(SIGNING_SECRET, body)) as resp:
        assert resp.status == 200
        text = await resp.text()
    return json.loads(text) if text.strip() else {}


async def opened_form(bot) -> dict[str, Any]:
    """The loading modal opens at once; the tracker's form replaces it."""
    (loading,) = await bot.slack.wait_for("views.open")
    (update,) = await bot.slack.wait_for("views.update")
    assert update["view_id"].startswith("V")
    assert "Fetching" in str(loading["view"]["blocks"])
    return update["view"]


async def test_ticket_opens_the_jira_form_and_its_submission_shows_the_ticket_on_the_card(bot):
    said = await bot.command("ticket WEB-12A")
    assert "form for WEB-12A is open" in said["text"]
    view = await opened_form(bot)
    assert view["callback_id"] == Callback.TICKET
    fields = inputs(view)
    # A select with choices and a default, a required text with the issue's title, a textarea.
    project = fields[field_block("project")]
    assert project["element"]["type"] == "static_select"
    assert project["element"]["initial_option"]["text"]["text"] == "SHOP"
    assert "optional" not in project
    title = fields[field_block("title")]
    assert title["element"]["initial_value"] == bot.sentry.data.issues[WEB_12A].title
    assert "optional" not in title
    assert fields[field_block("description")]["element"]["multiline"] is True
    assert fields[field_block("priority")]["element"]["initial_option"]["text"]["text"] == "Medium"
    assert fields[field_block("labels")]["optional"] is True

    ack = await submit_form(bot, view, as_submitted(view, title="Checkout total crashes"))
    assert ack == {}
    await bot.settled()
    (post,) = [r for r in bot.sentry.requests if r.method == "POST" and r.path.endswith(f"/integrations/{JIRA}/")]
    assert post.body["title"] == "Checkout total crashes"
    assert post.body["project"] == "10000" and post.body["issuetype"] == "10004" and "labels" not in post.body
    (ticket,) = bot.sentry.data.desk.tickets
    key = decode(view["private_metadata"])["rurl"].rsplit("/", 1)[-1]
    card = (await bot.slack.wait_for_response(key, count=2))[-1]
    assert f"<{ticket.url}|{ticket.key}>" in str(card["blocks"])
    assert "Jira ticket" in str(card["blocks"])


async def test_a_required_field_left_empty_comes_back_as_an_error_on_that_field(bot):
    await bot.command("ticket WEB-12A github")
    view = await opened_form(bot)
    assert inputs(view)[field_block("repo")]["element"]["initial_option"]["value"] == "acme/web"

    ack = await submit_form(bot, view, as_submitted(view, title=""))

    assert ack["response_action"] == "errors"
    assert ack["errors"] == {field_block("title"): "This field is required."}
    assert bot.sentry.data.desk.tickets == []


async def test_create_ticket_button_on_a_card_opens_the_form_and_the_card_gets_the_link(bot):
    card = await bot.command("WEB-12A")
    await bot.click(Action.TICKET, button_value(card, Action.TICKET))
    view = await opened_form(bot)
    meta = decode(view["private_metadata"])
    assert meta["issue"] == WEB_12A and meta["integ"] == JIRA and meta["ts"]

    await submit_form(bot, view, as_submitted(view))
    await bot.settled()
    key = meta["rurl"].rsplit("/", 1)[-1]
    (updated,) = await bot.slack.wait_for_response(key, count=1)
    assert updated["replace_original"] is True
    (ticket,) = bot.sentry.data.desk.tickets
    assert ticket.key in str(updated["blocks"])


async def test_link_existing_uses_the_link_form_and_puts(bot):
    await bot.command("ticket WEB-12A jira --link")
    view = await opened_form(bot)
    external = inputs(view)[field_block("externalIssue")]
    # Sentry fetches Jira's issues as the user types (`url`): here the key is typed.
    assert external["element"]["type"] == "plain_text_input"

    await submit_form(bot, view, as_submitted(view, externalIssue="shop-1400"))
    await bot.settled()
    (put,) = [r for r in bot.sentry.requests if r.method == "PUT" and r.path.endswith(f"/integrations/{JIRA}/")]
    assert put.body["externalIssue"] == "shop-1400"
    assert [t.key for t in bot.sentry.data.desk.tickets] == ["SHOP-1400"]


async def test_without_a_tracker_the_answer_names_the_trackers_sentry_supports(bot):
    for integration in (JIRA, GITHUB):
        del bot.sentry.data.integrations[integration]
    said = await bot.command("ticket WEB-12A")
    text = said["text"] + str(said["blocks"])
    assert "No issue tracker is installed" in text
    for provider in ("GitHub", "GitLab", "Jira"):
        assert provider in text
    # The modal that was waiting for the form says so too.
    (update,) = await bot.slack.wait_for("views.update")
    assert "No issue tracker is installed" in str(update["view"]["blocks"])


def top_ts(bot) -> str:
    """The ts Slack gave the first message the bot posted."""
    return min(ts for (_channel, ts), m in bot.slack.messages.items() if not m.get("thread_ts"))


@pytest.fixture
def quick_seer(monkeypatch):
    monkeypatch.setattr(bot.seer, "DELAYS", (0.01,))


async def test_fix_posts_seers_root_cause_and_steps_in_a_thread(quick_seer, bot):
    said = await bot.command("fix WEB-12A")
    assert "Seer started on WEB-12A" in said["text"]
    posts = await bot.slack.wait_for("chat.postMessage", count=5, ok=True)  # started, 3 steps, result
    top = posts[0]
    assert "Seer is looking for the root cause" in str(top["blocks"]) and not top.get("thread_ts")
    thread = [p for p in posts if p.get("thread_ts")]
    assert len(thread) == 4 and {p["thread_ts"] for p in thread} == {top_ts(bot)}
    result = str(thread[-1]["blocks"])
    assert "Root cause" in result and "Proposed steps" in result and "seerDrawer=true" in result
    (start,) = [r for r in bot.sentry.requests if r.method == "POST" and r.path.endswith("/autofix/")]
    assert start.body["step"] == "root_cause"


async def test_fix_where_the_org_has_no_seer_says_so(bot):
    bot.sentry.data.desk.seer_enabled = False
    said = await bot.command("fix WEB-12A")
    assert "no access to Seer" in said["text"] + str(said["blocks"])
    assert bot.slack.count("chat.postMessage") == 0


async def test_root_cause_button_is_on_cards_where_the_org_has_seer(bot):
    card = await bot.command("WEB-12A")
    assert button_value(card, Action.ROOT_CAUSE)
    bot.sentry.data.desk.seer_enabled = False
    # Issue details (not the short ID's cached lookup) read the issue again.
    card = await bot.command(f"issue {WEB_12A}")
    with pytest.raises(AssertionError):
        button_value(card, Action.ROOT_CAUSE)


def test_field_ids_are_those_the_form_reads_back():
    assert field_block("title") == "ticket.title"
    assert field_action("title") == "ticket.title.input"


async def test_a_ticket_is_audited_like_other_writes_and_refused_to_who_may_not_write(bot):
    await bot.command("ticket WEB-12A")
    view = await opened_form(bot)
    await submit_form(bot, view, as_submitted(view))
    await bot.settled()
    audit = await bot.command("audit")
    assert "ticket create" in str(audit["blocks"])

    refused = await bot.command("ticket WEB-12A", user="UFRANK")  # billing: below member
    assert "needs the Sentry role member or above" in refused["text"]
    (*_, update) = await bot.slack.wait_for("views.update", count=2)
    assert "needs the Sentry role member or above" in str(update["view"]["blocks"])
    assert [t.key for t in bot.sentry.data.desk.tickets] == ["SHOP-1501"]


async def test_when_slack_refuses_to_open_the_form_the_answer_says_to_run_it_again(bot):
    bot.slack.trigger_ttl = -1.0  # every trigger_id has expired (Slack: 3 s)
    said = await bot.command("ticket WEB-12A")
    assert "Slack did not open the form" in said["text"]
    assert bot.slack.count("views.update") == 0


async def test_root_cause_button_starts_seer_as_fix_does(quick_seer, bot):
    card = await bot.command("WEB-12A")
    key = await bot.click(Action.ROOT_CAUSE, button_value(card, Action.ROOT_CAUSE))
    (answer,) = await bot.slack.wait_for_response(key, count=1)
    assert "Seer started on WEB-12A" in answer["text"]
    posts = await bot.slack.wait_for("chat.postMessage", count=5, ok=True)
    assert "Root cause" in str(posts[-1]["blocks"])
