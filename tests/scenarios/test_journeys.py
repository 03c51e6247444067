"""Everyday journeys, from what a person types, as Slack delivers it (signed HTTP to /slack/events,
text encoded as Slack encodes it), to what that person sees in the fake Slack.

The fake refuses to let an answer pass that Slack would never show: an ephemeral to a thread that
does not exist fails the test (`fake_slack` fixture).
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy.exc import OperationalError

from bot.store.events import SeenEvents
from bot.views.routing import Action, encode
from tests.fakes.signing import app_mention_event, link_shared_event
from tests.scenarios.test_alert_flow import service_hook_payload  # noqa: F401 (a fixture)
from tests.scenarios.test_buttons_and_modals import button_value

WEB_12A = "5501024301"
TITLE = "Cannot read properties"


def shown(answer: dict) -> str:
    return json.dumps(answer["blocks"])


# --- text as Slack sends it ----------------------------------------------------------------------


async def test_a_link_with_an_ampersand_is_stored_as_typed(bot):
    await bot.command("link WEB-12A https://tracker.acme.example/?id=1&view=full R&D-7")
    (linked,) = [e for e in bot.sentry.data.external_issues.values() if e.issue_id == WEB_12A]
    assert linked.web_url == "https://tracker.acme.example/?id=1&view=full"
    assert linked.identifier == "R&D-7"


async def test_a_hook_posts_to_the_url_as_typed(bot):
    answer = await bot.command("hook add api https://hooks.acme.example/in?team=a&b=1 event.alert")
    assert "added" in answer["text"], answer["text"]
    urls = {h.url for h in bot.sentry.data.hooks.values() if h.project_slug == "api"}
    assert "https://hooks.acme.example/in?team=a&b=1" in urls


async def test_the_share_button_reruns_the_command_as_typed_not_as_slack_sent_it(bot):
    card = await bot.command("https://acme.sentry.io/issues/5501024301/?project=1&query=is:unresolved")
    assert TITLE in shown(card)
    key = await bot.click(Action.SHARE, button_value(card, Action.SHARE))
    _deleted, shared = await bot.slack.wait_for_response(key, count=2)
    assert shared["response_type"] == "in_channel"
    assert TITLE in shown(shared)


# --- mentions --------------------------------------------------------------------------------------


async def test_a_mention_in_the_channel_is_answered_in_the_channel_view(bot):
    said = await bot.mention("help", user="UDAVE")
    (answer,) = await bot.slack.wait_for("chat.postEphemeral")
    assert answer["user"] == "UDAVE"
    assert answer["channel"] == "C123"
    assert "thread_ts" not in answer, f"answered in the thread of {said['ts']}, which does not exist"
    assert "/sentry" in json.dumps(answer["blocks"])


async def test_a_mention_in_a_thread_is_answered_in_that_thread(bot):
    parent = bot.slack.user_says("checkout is broken again", user="UBOB")
    await bot.mention("WEB-12A", user="UDAVE", in_thread_of=parent["ts"])
    (answer,) = await bot.slack.wait_for("chat.postEphemeral")
    assert answer["thread_ts"] == parent["ts"]
    assert TITLE in json.dumps(answer["blocks"])


async def test_a_mention_with_a_link_pasted_into_it_finds_the_issue(bot):
    await bot.mention("https://sentry.io/organizations/acme/issues/5501024301/?a=1&b=2", user="UDAVE")
    (answer,) = await bot.slack.wait_for("chat.postEphemeral")
    assert TITLE in json.dumps(answer["blocks"])


# --- retried events --------------------------------------------------------------------------------


async def test_a_mention_slack_delivers_again_is_answered_once(bot):
    said = bot.slack.user_says("<@UBOT> help", user="UDAVE")
    await bot.event(app_mention_event(said["text"], user="UDAVE", ts=said["ts"]), redeliveries=3)
    await bot.settled()
    assert bot.slack.count("chat.postEphemeral") == 1


async def test_an_unfurl_slack_delivers_again_is_made_once(bot):
    url = f"https://acme.sentry.io/issues/{WEB_12A}/"
    await bot.event(link_shared_event([url], user="UDAVE"), redeliveries=2)
    await bot.settled()
    assert bot.slack.count("chat.unfurl") == 1


async def test_a_mention_is_still_answered_when_the_store_cannot_record_it(bot, monkeypatch):
    async def unreachable(self, event_id: str, now: float) -> bool:
        raise OperationalError("INSERT", {}, OSError("database is locked"))

    monkeypatch.setattr(SeenEvents, "first_sighting", unreachable)
    await bot.mention("help", user="UDAVE")
    (answer,) = await bot.slack.wait_for("chat.postEphemeral")
    assert answer["user"] == "UDAVE"


# --- Sentry links in all their forms ---------------------------------------------------------------

ISSUE_LINKS = [
    f"https://acme.sentry.io/issues/{WEB_12A}/",
    f"https://acme.sentry.io/issues/{WEB_12A}",
    f"https://sentry.io/organizations/acme/issues/{WEB_12A}/",
    f"https://acme.sentry.io/issues/{WEB_12A}/events/9fac2ceed9344f2bbfdd1fdacb0ed9b1/",
    f"https://sentry.io/organizations/acme/issues/{WEB_12A}/events/latest/?project=1",
    f"https://acme.us.sentry.io/issues/{WEB_12A}/?project=4505&query=is:unresolved&referrer=alert",
    f"https://de.sentry.io/organizations/acme/issues/{WEB_12A}/tags/",
]


@pytest.mark.parametrize("url", ISSUE_LINKS)
async def test_every_form_of_issue_link_unfurls_and_works_as_a_command(bot, url):
    await bot.event(link_shared_event([url], user="UDAVE"))
    (unfurl,) = await bot.slack.wait_for("chat.unfurl")
    # The unfurl is keyed by the URL as the event carried it (with `&amp;`).
    (key,) = unfurl["unfurls"]
    assert key == url.replace("&", "&amp;")
    assert TITLE in json.dumps(unfurl["unfurls"][key]["blocks"])

    card = await bot.command(url, user="UDAVE")
    assert TITLE in shown(card), card["text"]


async def test_a_link_still_in_the_composer_unfurls(bot):
    url = f"https://acme.sentry.io/issues/{WEB_12A}/"
    event = link_shared_event([url], user="UDAVE", composer=True)
    await bot.event(event)
    (unfurl,) = await bot.slack.wait_for("chat.unfurl")
    assert unfurl.get("unfurl_id") == event["unfurl_id"]
    assert bot.slack.count("chat.unfurl", ok=True) == 1


async def test_a_link_on_the_self_hosted_sentry_works(bot):
    own = bot.sentry_url.rstrip("/")
    url = f"{own}/organizations/acme/issues/{WEB_12A}/events/9fac2ceed9344f2bbfdd1fdacb0ed9b1/"
    card = await bot.command(url, user="UDAVE")
    assert TITLE in shown(card), card["text"]


async def test_a_link_to_another_site_is_not_taken_for_an_issue(bot):
    answer = await bot.command(f"https://github.com/acme/web/issues/{WEB_12A}", user="UDAVE")
    assert TITLE not in shown(answer)
    assert "not" in answer["text"]


async def test_a_bare_numeric_issue_id_and_a_dashed_event_id_work_alone(bot):
    card = await bot.command(WEB_12A, user="UDAVE")
    assert TITLE in shown(card), card["text"]
    event_id = next(iter(bot.sentry.data.events))
    dashed = f"{event_id[:8]}-{event_id[8:12]}-{event_id[12:16]}-{event_id[16:20]}-{event_id[20:]}"
    found = await bot.command(dashed, user="UDAVE")
    assert "not a command" not in found["text"], found["text"]
    assert event_id[:8] in shown(found) or "Event" in found["text"]


async def test_a_short_id_typed_without_its_dash_suggests_it(bot):
    answer = await bot.command("web12a", user="UDAVE")
    assert "Did you mean `/sentry WEB-12A`" in answer["text"]


# --- alerts stay alerts ----------------------------------------------------------------------------


async def test_an_alert_stays_the_channels_alert_through_updates_and_clicks(bot, service_hook_payload):  # noqa: F811
    await bot.command("subscribe web", user="UDAVE", channel="CALERTS")
    service_hook_payload["project"]["slug"] = "web"
    service_hook_payload["group"]["project"]["slug"] = "web"
    service_hook_payload["group"]["id"] = WEB_12A
    assert await bot.service_hook(service_hook_payload) == 200
    (posted,) = await bot.slack.wait_for("chat.postMessage", timeout=10)
    (ts,) = [t for (c, t) in bot.slack.messages if c == "CALERTS" and t != posted.get("thread_ts")]

    updates = 0
    for round_ in (1, 2):
        await bot.command("resolve WEB-12A", user="UBOB")
        updates += 1
        await bot.slack.wait_for("chat.update", count=updates, timeout=10)
        alert = bot.slack.messages[("CALERTS", ts)]
        assert alert["metadata"]["event_type"] == "sentry_bot_alert", f"round {round_}: {alert.get('metadata')}"
        key = await bot.click(Action.UNRESOLVE, encode(issue=WEB_12A), user="UALICE", message=alert, channel="CALERTS")
        (answer,) = await bot.slack.wait_for_response(key)
        assert "replace_original" not in answer, f"round {round_}: the click replaced the channel's alert"
        assert answer["response_type"] == "ephemeral"
        assert "reopened" in shown(answer)
        updates += 1
        await bot.slack.wait_for("chat.update", count=updates, timeout=10)
    assert bot.slack.messages[("CALERTS", ts)]["metadata"]["event_type"] == "sentry_bot_alert"


# --- what the card says ----------------------------------------------------------------------------


async def test_assigning_to_a_mentioned_person_shows_the_mention(bot):
    card = await bot.command("assign WEB-12A <@UDAVE>", user="UALICE")
    text = shown(card)
    assert "assigned to <@UDAVE>" in text
    assert "&lt;@UDAVE&gt;" not in text


async def test_assigning_from_the_picker_names_the_person(bot):
    dave = next(m for m in bot.sentry.data.members.values() if m.email == "dave@acme.example")
    card = await bot.command(f"assign WEB-12A user:{dave.user_id}", user="UALICE")
    text = shown(card)
    assert f"user:{dave.user_id}" not in text
    # Shown as "Dave Kim <dave@acme.example>": the angle brackets escaped once, as Slack needs them.
    assert "assigned to Dave Kim &lt;dave@acme.example&gt;" in text


async def test_a_hostile_member_name_on_the_card_stays_inert(bot):
    dave = next(m for m in bot.sentry.data.members.values() if m.email == "dave@acme.example")
    dave.name = "<!channel> <@UALICE> R&D"
    card = await bot.command(f"assign WEB-12A user:{dave.user_id}", user="UALICE")
    text = shown(card)
    assert "assigned to &lt;!channel&gt; &lt;@UALICE&gt; R&amp;D &lt;dave@acme.example&gt;" in text
    assert "<!channel>" not in text
