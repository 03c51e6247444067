"""Buttons, modals, the assignee picker, confirmations and link unfurls, as Slack sends them."""

from __future__ import annotations

from bot.views import modals
from bot.views.routing import Action, Callback, decode, encode
from tests.fakes.signing import link_shared_event

WEB_12A = "5501024301"


def button_value(answer: dict, action_id: str) -> str:
    for block in answer["blocks"]:
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            if element.get("action_id") == action_id:
                return element["value"]
    raise AssertionError(f"no {action_id} button in {answer['text']}")


async def test_resolve_button_opens_a_modal_whose_submission_updates_the_card(bot):
    card = await bot.command("WEB-12A")
    await bot.click(Action.RESOLVE, button_value(card, Action.RESOLVE))
    (opened,) = await bot.slack.wait_for("views.open")
    view = opened["view"]
    assert view["callback_id"] == Callback.RESOLVE
    metadata = view["private_metadata"]
    assert decode(metadata)["issue"] == WEB_12A
    origin = decode(metadata)["rurl"]
    key = origin.rsplit("/", 1)[-1]

    await bot.submit(
        Callback.RESOLVE,
        {
            modals.RESOLVE_BLOCK: {
                modals.RESOLVE_ACTION: {
                    "type": "radio_buttons",
                    "selected_option": {"value": modals.RESOLVE_NEXT_RELEASE},
                }
            }
        },
        metadata=metadata,
    )
    (updated,) = await bot.slack.wait_for_response(key, count=1)
    assert updated["replace_original"] is True
    assert "Resolved in next release" in str(updated["blocks"])
    assert "<@UALICE>" in str(updated["blocks"])
    assert bot.sentry.data.issues[WEB_12A].status == "resolved"


async def test_archive_modal_until_100_more_events(bot):
    metadata = encode(issue=WEB_12A, rurl=bot.slack.response_url("archive"))
    await bot.submit(
        Callback.ARCHIVE,
        {
            modals.ARCHIVE_BLOCK: {
                modals.ARCHIVE_ACTION: {"type": "radio_buttons", "selected_option": {"value": "count:100"}}
            }
        },
        metadata=metadata,
    )
    (updated,) = await bot.slack.wait_for_response("archive")
    assert "100 more events" in str(updated["blocks"])
    assert bot.sentry.data.issues[WEB_12A].status == "ignored"


async def test_assignee_picker_offers_members_and_teams_filtered_by_typing(bot):
    answer = await bot.suggest(Action.ASSIGN, "car")
    labels = [o["text"]["text"] for o in answer["options"]]
    assert labels == ["Carol Diaz (carol@acme.example)"]
    everyone = await bot.suggest(Action.ASSIGN, "")
    values = {o["value"] for o in everyone["options"]}
    assert "none" in values
    assert any(v.startswith("team:") for v in values)


async def test_assign_modal_submission_assigns_the_chosen_member(bot):
    metadata = encode(issue=WEB_12A, rurl=bot.slack.response_url("assign"))
    dave = next(m for m in bot.sentry.data.members.values() if m.email == "dave@acme.example")
    await bot.submit(
        Callback.ASSIGN,
        {
            modals.ASSIGN_BLOCK: {
                modals.ASSIGN_ACTION: {"type": "external_select", "selected_option": {"value": f"user:{dave.user_id}"}}
            }
        },
        metadata=metadata,
    )
    (updated,) = await bot.slack.wait_for_response("assign")
    assert "Dave Kim" in str(updated["blocks"])


async def test_link_modal_links_an_external_issue(bot):
    metadata = encode(issue=WEB_12A, rurl=bot.slack.response_url("link"))
    await bot.submit(
        Callback.LINK,
        {
            modals.LINK_URL_BLOCK: {
                modals.LINK_URL_ACTION: {
                    "type": "url_text_input",
                    "value": "https://tracker.acme.example/SHOP/issues/9",
                }
            },
            modals.LINK_IDENTIFIER_BLOCK: {
                modals.LINK_IDENTIFIER_ACTION: {"type": "plain_text_input", "value": "SHOP-9"}
            },
        },
        metadata=metadata,
    )
    (answer,) = await bot.slack.wait_for_response("link")
    assert "SHOP#9" in str(answer)
    links = await bot.command("links WEB-12A")
    assert "SHOP#9" in str(links["blocks"])


async def test_stats_and_share_buttons(bot):
    card = await bot.command("WEB-12A")
    key = await bot.click(Action.STATS, button_value(card, Action.STATS))
    (stats,) = await bot.slack.wait_for_response(key)
    assert stats["text"].startswith("Events of WEB-12A")

    key = await bot.click(Action.SHARE, button_value(card, Action.SHARE))
    answers = await bot.slack.wait_for_response(key, count=2)
    assert answers[0]["delete_original"] is True
    assert answers[1]["response_type"] == "in_channel"


async def test_more_button_carries_the_cursor_to_the_next_page(bot):
    bot.sentry.page_size = 3
    first = await bot.command("members")
    key = await bot.click(Action.MORE, button_value(first, Action.MORE))
    (second,) = await bot.slack.wait_for_response(key)
    assert second["replace_original"] is True
    assert "dave@acme.example" in str(second["blocks"])
    assert "alice@acme.example" not in str(second["blocks"])


async def test_only_the_requester_can_confirm_a_destructive_command(bot):
    ask = await bot.command("member remove erin@acme.example", user="UBOB")
    value = button_value(ask, Action.CONFIRM)
    key = await bot.click(Action.CONFIRM, value, user="UALICE")
    (refused,) = await bot.slack.wait_for_response(key)
    assert "Only the person who asked" in refused["text"]
    assert any(m.email == "erin@acme.example" for m in bot.sentry.data.members.values())

    key = await bot.click(Action.CONFIRM, value, user="UBOB")
    (done,) = await bot.slack.wait_for_response(key)
    assert "removed" in done["text"]
    assert not any(m.email == "erin@acme.example" for m in bot.sentry.data.members.values())


async def test_cancel_changes_nothing(bot):
    ask = await bot.command("hook remove web e655f6aa8e18a60ed2e83592e220532f")
    key = await bot.click(Action.CANCEL, button_value(ask, Action.CANCEL))
    (answer,) = await bot.slack.wait_for_response(key)
    assert answer["text"].startswith("Cancelled")
    assert "e655f6aa8e18a60ed2e83592e220532f" in bot.sentry.data.hooks


async def test_a_pasted_issue_link_unfurls_into_the_card(bot):
    url = f"https://acme.sentry.io/issues/{WEB_12A}/"
    await bot.event(link_shared_event([url], channel="C123", user="UDAVE"))
    (unfurl,) = await bot.slack.wait_for("chat.unfurl")
    assert "Cannot read properties" in str(unfurl["unfurls"][url]["blocks"])


async def test_members_below_the_needed_role_are_refused_with_how_to_get_access(bot):
    denied = await bot.command("member add zed@acme.example member", user="UDAVE")
    assert "needs the Sentry role owner or manager" in denied["text"]
    stranger = await bot.command("WEB-12A", user="USTRANGER")
    assert "not linked to a Sentry member" in stranger["text"]


async def test_a_button_on_an_alert_message_leaves_the_alert_to_the_alert_pipeline(bot):
    alert_message = {
        "ts": "1700000000.000200",
        "blocks": [],
        "metadata": {"event_type": "sentry_bot_alert", "event_payload": {"issue": WEB_12A}},
    }
    key = await bot.click(Action.UNRESOLVE, encode(issue=WEB_12A), message=alert_message)
    (answer,) = await bot.slack.wait_for_response(key)
    assert "replace_original" not in answer
    assert answer["response_type"] == "ephemeral"
    assert "reopened" in str(answer["blocks"])
