"""Everyday journeys against Sentry's own rules: who can be assigned, what a link is called, what
"not found" means, and answers that name things instead of ids."""

from __future__ import annotations

import json

from bot.views import modals
from bot.views.routing import Action, encode
from tests.fakes.signing import block_suggestion_body, slack_headers
from tests.scenarios.conftest import SIGNING_SECRET

API_1 = "5501024307"  # project api, team backend: bob, dave and erin


async def picker_options(bot, issue_id: str, query: str = "") -> list[str]:
    """The labels the assignee picker of `issue_id`'s Assign modal offers while `query` is typed."""
    view = modals.assign_modal(issue_id, short_id=None, metadata=encode(issue=issue_id))
    body = block_suggestion_body(modals.ASSIGN_ACTION, query, user_id="UALICE", view=view)
    async with bot.http.post(bot.url + "slack/events", data=body, headers=slack_headers(SIGNING_SECRET, body)) as r:
        assert r.status == 200
        return [o["text"]["text"] for o in json.loads(await r.text())["options"]]


async def test_the_picker_offers_only_those_sentry_lets_take_the_issue(bot):
    labels = await picker_options(bot, API_1)
    assert [label for label in labels if "@" in label] == [
        "Bob Okafor (bob@acme.example)",
        "Dave Kim (dave@acme.example)",
        "Erin Walsh (erin@acme.example)",
    ]
    assert [label for label in labels if label.startswith("#")] == ["#backend"]


async def test_assigning_someone_outside_the_projects_teams_says_who_can_be(bot):
    answer = await bot.command("assign API-1 alice@acme.example")
    assert "can't be assigned API-1" in answer["text"]
    assert "#backend" in answer["text"]
    assert "Unknown actor input" not in answer["text"]
    assert bot.sentry.data.issues[API_1].assignee is None


async def test_a_misspelt_assignee_gets_a_did_you_mean(bot):
    answer = await bot.command("assign API-1 erin@acme.exmple")
    assert "Did you mean `erin@acme.example`" in answer["text"]
    answer = await bot.command("assign API-1 team:bakend")
    assert "Did you mean `team:backend`?" in answer["text"]


async def test_assigning_a_member_of_the_projects_team_names_them(bot):
    answer = await bot.command("assign API-1 erin@acme.example")
    assert "assigned to Erin Walsh" in str(answer["blocks"])
    assert bot.sentry.data.issues[API_1].assignee is not None
    assert bot.sentry.data.issues[API_1].assignee.id == "5205"


async def test_a_link_is_labelled_with_the_trackers_identifier(bot):
    answer = await bot.command("link WEB-1 https://tracker.acme.example/SHOP/issues/1500 SHOP-1500")
    assert "|SHOP#1500>" in answer["text"]
    assert "web#" not in answer["text"]


async def test_linking_again_says_which_link_it_replaced(bot):
    await bot.command("link WEB-1 https://tracker.acme.example/SHOP/issues/1500 SHOP-1500")
    answer = await bot.command("link WEB-1 https://tracker.acme.example/SHOP/issues/1501 SHOP-1501")
    assert "|SHOP#1501>" in answer["text"]
    assert "It replaces <https://tracker.acme.example/SHOP/issues/1500|SHOP#1500>" in answer["text"]


async def test_the_stats_button_shows_the_issues_own_events(bot):
    key = await bot.click(Action.STATS, encode(issue="5501024301", short="WEB-12A"))
    (stats,) = await bot.slack.wait_for_response(key)
    assert stats["text"].startswith("Events of WEB-12A")
    issue = bot.sentry.data.issues["5501024301"]
    assert issue.title.split(":")[0] in str(stats["blocks"])
    assert "no data" not in str(stats["blocks"])  # the details' own stats, not the short ID's summary


async def test_an_unknown_project_is_named_with_near_matches(bot):
    for command in ("users apx", "hooks apx", "project apx", "stats apx", "tags apx browser"):
        answer = await bot.command(command)
        assert "There is no project `apx`. Did you mean `api`?" in answer["text"], command
        assert "Sentry could not find that" not in answer["text"]


async def test_an_unknown_tag_key_is_named_in_its_project(bot):
    answer = await bot.command("tags web browsr")
    assert "There is no tag key `browsr` in `web`. Did you mean `browser`" in answer["text"]


async def test_unknown_teams_members_integrations_and_hooks_are_named(bot):
    cases = {
        "member add ivan@acme.example member --teams bakend": "There is no team `bakend`. Did you mean `backend`?",
        "external-team add fronted github @acme/web": "There is no team `fronted`. Did you mean `frontend`?",
        "member bob@acme.exmple": "There is no member with the email `bob@acme.exmple`. Did you mean `bob@acme.example`",
        "member 9999": "There is no member with id `9999`. Known: `alice@acme.example` (id 1041)",
        "integration 130499": "There is no installed integration with id `130499`.",
        "hook remove web 0123": "There is no service hook `0123` in `web`. Known: `e655f6aa8e18a60ed2e83592e220532f` →",
        "forwarder remove 7": "There is no data forwarder with id `7`. Known: `41`, `42`.",
        "scim deactivate 9999": "There is no SCIM user with id `9999`.",
    }
    for command, said in cases.items():
        answer = await bot.command(command, user="UBOB")
        assert said in answer["text"], (command, answer["text"])


async def test_confirmations_name_the_person_the_provider_and_the_url(bot):
    cases = {
        "scim deactivate 1047": "deactivate SCIM user *Grace Park <grace@acme.example>* (id 1047)",
        "integration remove 130415": "uninstall *Jira acme (id 130415)*",
        "forwarder remove 42": "delete the *segment* data forwarder (web, api)",
        "hook remove web e655f6aa8e18a60ed2e83592e220532f": "posts to *https://hooks.acme.example/sentry/web*",
        "member remove bob@acme.example": "remove *Bob Okafor <bob@acme.example>*",
    }
    for command, said in cases.items():
        answer = await bot.command(command, user="UBOB")
        assert said.replace("<", "&lt;").replace(">", "&gt;") in answer["text"], (command, answer["text"])


async def test_a_second_forwarder_for_a_provider_points_to_the_existing_one(bot):
    segment = next(f for f in bot.sentry.data.forwarders.values() if f.provider == "segment")
    answer = await bot.command("forwarder add segment --config write_key=abc123", user="UBOB")
    assert f"There is already a segment forwarder (id {segment.id})" in answer["text"]
    assert f"/sentry forwarder update {segment.id} --enabled on" in answer["text"]
    assert [f.provider for f in bot.sentry.data.forwarders.values()].count("segment") == 1


async def test_lists_and_cards_name_projects_members_teams_and_issues(bot):
    keys = await bot.command("keys", user="UBOB")
    assert "project `web`" in keys["text"] + str(keys["blocks"])
    assert all(f"project `{p.id}`" not in str(keys["blocks"]) for p in bot.sentry.data.projects.values())

    event = await bot.command("event 566bf9d7c55a45f8d1a6e55e9b9b1325")
    assert "*WEB-12A* TypeError" in str(event["blocks"])

    user = await bot.command("external-user add alice@acme.example github @alice", user="UBOB")
    assert "to Sentry user `Alice" in user["text"]
    team = await bot.command("external-team add backend github @acme/backend", user="UBOB")
    assert "to Sentry team `#backend`" in team["text"]


async def test_subscribing_to_api_after_web_creates_apis_own_hook(bot):
    await bot.command("subscribe web", user="UBOB")
    ours = "https://bot.acme.example/sentry/webhook"
    assert [h.project_slug for h in bot.sentry.data.hooks.values() if h.url == ours] == ["web"]
    await bot.command("hooks web", user="UBOB")  # a lookup of web's hooks, cached
    await bot.command("subscribe api", user="UBOB")
    assert sorted(h.project_slug for h in bot.sentry.data.hooks.values() if h.url == ours) == ["api", "web"]


async def test_sentrys_own_refusal_of_an_assignee_is_answered_with_who_can_be(bot):
    # Sentry's answer when the team changed between the bot's check and the update
    # (GroupValidator.validate_assignedTo's field error).
    bot.sentry.fail_next(
        400, method="PUT", path_contains=API_1, body={"assignedTo": ["Cannot assign to non-team member"]}
    )
    answer = await bot.command("assign API-1 erin@acme.example")
    assert "can't be assigned API-1" in answer["text"]
    assert "Who can be: `bob@acme.example`, `dave@acme.example`, `erin@acme.example`, `team:backend`." in answer["text"]
