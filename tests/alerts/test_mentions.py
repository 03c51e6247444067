"""Mentions, broadcast, regressions and tags (issue 14): who is pinged and when, which thread
replies reach the channel, and which tag values an alert shows, as a channel's subscription asks.

The Sentry payloads are the project's builders (`tests/alerts/payloads.py`); the assignee objects
follow Sentry's actor serializer as `issue.assigned` carries it (getsentry/sentry
src/sentry/receivers/sentry_apps.py `send_issue_assigned_webhook`: type, id, name, email).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.alerts import SubscriptionFilters, SubscriptionService, parse_subscription_args
from bot.alerts.models import Alert, EventKind
from bot.errors import UsageError
from bot.identity_store import StoredOverrides
from bot.settings import Settings
from bot.slack.text import from_slack
from bot.store import Database
from bot.views.alert import alert_message
from tests.alerts.harness import Pipeline, hook_payload, issue_payload, messages, posts, text_of
from tests.fakes import FakeSlack, block_kit_errors

ISSUE = "1170820242"
ONCALL = "<!subteam^S0ONCALL>"
DAVE = {"type": "user", "id": "3", "name": "Dave Kim", "email": "dave@acme.example"}


def assigned_to(actor: dict[str, Any], *, by: str = "colleen") -> dict[str, Any]:
    """Sentry's `issue.assigned` webhook: the actor in `data.issue.assignedTo` and `data.assignee`."""
    body = issue_payload("assigned", actor=by, assignedTo=actor)
    body["data"]["assignee"] = dict(actor)
    return body


# ---------------------------------------------------------------------- grammar


def test_mention_takes_what_slack_sends_for_a_person_a_group_or_here() -> None:
    typed = from_slack("<@U024BE7LH|bob>,<!subteam^SAZ94GDB8|@oncall>,here")  # as the command text arrives
    filters = parse_subscription_args(["--mention", typed, "--mention-on", "new,level:fatal"])
    assert filters.mentions == ("<@U024BE7LH>", "<!subteam^SAZ94GDB8>", "<!here>")
    assert filters.mention_on == frozenset({"new", "level:fatal"})
    assert parse_subscription_args(["--mention", from_slack("<!here>")]).mentions == ("<!here>",)


# A Slack id (U/W for people, S for user groups) and the label Slack may add after `|`.
_IDS = st.from_regex(r"[A-Z0-9]{8,11}", fullmatch=True)
_LABELS = st.one_of(st.none(), st.text(st.characters(blacklist_characters="<>|&,", codec="utf-8"), max_size=20))


@given(
    picked=st.lists(
        st.tuples(st.sampled_from(["@U", "@W", "!subteam^S"]), _IDS, _LABELS), min_size=1, max_size=10, unique=True
    )
)
def test_any_person_or_group_picked_in_slack_is_kept_in_the_form_that_pings(
    picked: list[tuple[str, str, str | None]],
) -> None:
    sent = ",".join(f"<{kind}{id_}{'' if label is None else '|' + label}>" for kind, id_, label in picked)
    expected = tuple(dict.fromkeys(f"<{kind}{id_}>" for kind, id_, _ in picked))
    assert parse_subscription_args(["--mention", from_slack(sent)]).mentions == expected


def test_the_defaults_ping_nobody_broadcast_nothing_and_add_no_tags() -> None:
    filters = parse_subscription_args([])
    assert (filters.mentions, filters.broadcast, filters.tags) == ((), frozenset(), ())
    assert filters.mention_on == frozenset({"new"})  # once someone is named: every new issue


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        # A name Slack did not recognise arrives as plain text: it would ping nobody.
        (["--mention", "@bob"], "pick from the list"),
        (["--mention", "<#C123>"], "is neither"),
        (["--mention-on", "new"], "add `--mention @person` to say whom"),
        (["--mention", "here", "--mention-on", "always"], "does not know `always`"),
        (["--mention", "here", "--mention-on", "level:loud"], "does not know `level:loud`"),
        (["--broadcast", "comments"], "choose from regression, escalation, resolved"),
        (["--tags", "rel!ease"], "is not a tag key"),
        (["--tags", ",".join(f"t{i}" for i in range(11))], "at most 10 tags"),
        (["--mention", ",".join(f"<@U00000{i:02}>" for i in range(11))], "use a user group for more"),
        (["--mentoin", "here"], "Did you mean `--mention`?"),
    ],
)
def test_bad_mention_options_say_what_to_type_instead(args: list[str], reason: str) -> None:
    with pytest.raises(UsageError) as err:
        parse_subscription_args(args)
    assert reason in str(err.value)
    assert err.value.usage is not None and "--mention" in err.value.usage


async def test_the_options_are_kept_as_given(any_db: Database) -> None:
    service = SubscriptionService(any_db, settings=Settings(_env_file=None))  # type: ignore[call-arg]
    filters = parse_subscription_args(
        [
            *("--mention", "<@U1AB>,<!here>", "--mention-on", "escalation,level:fatal"),
            *("--broadcast", "regression", "--tags", "release,browser,os.name"),
        ]
    )
    saved = await service.subscribe("C1", "web", filters, created_by="U1")
    (listed,) = await service.list("C1")
    assert saved.filters == listed.filters == filters
    assert listed.filters.tags == ("release", "browser", "os.name")  # in the order asked for
    # Subscribing again without them goes back to the defaults.
    await service.subscribe("C1", "web", SubscriptionFilters(), created_by="U1")
    (listed,) = await service.list("C1")
    assert listed.filters == SubscriptionFilters()


# ---------------------------------------------------------------------- who is pinged, and when


async def test_a_mention_pings_a_new_issue_and_not_its_repeats(pipeline: Pipeline) -> None:
    await pipeline.subscribe("C1", "front-end", "--mention", ONCALL)
    await pipeline.subscribe("C2", "front-end")
    for n in range(2):
        await pipeline.service_hook(hook_payload(event=f"e{n}"))
        await pipeline.drained()

    parent, repeat = posts(pipeline.fake, "C1")
    assert parent["text"].startswith(ONCALL)  # the notification's text names the group
    assert f"🔔 {ONCALL}" in text_of(parent)
    assert ONCALL not in text_of(repeat)
    assert all(ONCALL not in text_of(p) for p in posts(pipeline.fake, "C2"))


async def test_mention_on_escalation_pings_the_escalation_and_not_the_new_issue(pipeline: Pipeline) -> None:
    await pipeline.subscribe("C1", "front-end", "--mention", "<@UONCALL>", "--mention-on", "escalation")
    await pipeline.service_hook(hook_payload(event="e1", count=1))
    await pipeline.drained()
    await pipeline.service_hook(hook_payload(event="e2", count=12))  # crosses 10 events
    await pipeline.drained()

    parent, *replies = posts(pipeline.fake, "C1")
    assert "<@UONCALL>" not in text_of(parent)
    (escalation,) = [r for r in replies if "reached" in text_of(r)]
    assert escalation["text"].startswith("<@UONCALL> 📈")
    assert [r for r in replies if "<@UONCALL>" in text_of(r)] == [escalation]


async def test_mention_on_a_level_pings_only_issues_of_that_level(pipeline: Pipeline) -> None:
    await pipeline.subscribe("C1", "front-end", "--mention", "here", "--mention-on", "level:fatal")
    await pipeline.service_hook(hook_payload(issue="1", event="e1", level="error"))
    await pipeline.service_hook(hook_payload(issue="2", event="e2", level="fatal"))
    await pipeline.drained()

    by_issue = {p["blocks"][-1]["block_id"]: p for p in posts(pipeline.fake, "C1")}
    assert "<!here>" not in text_of(by_issue['{"issue":"1"}'])
    assert by_issue['{"issue":"2"}']["text"].startswith("<!here> ")


# ---------------------------------------------------------------------- assignees, through identity


async def test_an_assignee_linked_through_identity_is_named_and_pinged_once(
    fake_slack: FakeSlack, any_db: Database
) -> None:
    fake_slack.users["UDAVE"] = {"email": "dave@acme.example", "name": "dave"}  # Slack's directory
    async with Pipeline.start(fake_slack, any_db) as pipeline:
        await _assigned_twice_and_reported_again(pipeline)

    (parent,) = messages(fake_slack, "C1", thread=False)
    assert "👤 Assigned to <@UDAVE>" in text_of(parent)
    (reply,) = messages(fake_slack, "C1", thread=True)
    assert "<@UALICE> assigned this issue to <@UDAVE>." in text_of(reply)


async def _assigned_twice_and_reported_again(pipeline: Pipeline) -> None:
    await pipeline.subscribe("C1", "front-end")
    await pipeline.service_hook(hook_payload())
    await pipeline.drained()

    # Assigned with a button (the issue as Sentry returns it after the change), then Sentry's
    # webhook reports the same assignment, and a redelivery of it under another Request-ID.
    snapshot = {"id": ISSUE, "status": "unresolved", "assignedTo": DAVE}
    await pipeline.outbox.issue_changed(ISSUE, actor="UALICE", action="assigned", issue=snapshot)
    await pipeline.drained()
    for request_id in ("req-1", "req-2"):
        await pipeline.sentry_app("issue", assigned_to(DAVE), request_id=request_id)
        await pipeline.drained()


async def test_a_report_without_the_email_keeps_the_assignee_s_mention(pipeline: Pipeline) -> None:
    pipeline.fake.users["UDAVE"] = {"email": "dave@acme.example", "name": "dave"}
    await pipeline.subscribe("C1", "front-end")
    await pipeline.service_hook(hook_payload())
    await pipeline.drained()
    snapshot = {"id": ISSUE, "status": "unresolved", "assignedTo": DAVE}
    await pipeline.outbox.issue_changed(ISSUE, actor="UALICE", action="assigned", issue=snapshot)
    await pipeline.drained()
    # An organization with enhanced privacy gets no email in Sentry's webhook (sentry_apps.py
    # `send_issue_assigned_webhook` adds it only without `enhanced_privacy`).
    await pipeline.sentry_app("issue", assigned_to({k: v for k, v in DAVE.items() if k != "email"}))
    await pipeline.drained()

    (parent,) = messages(pipeline.fake, "C1", thread=False)
    assert "👤 Assigned to <@UDAVE>" in text_of(parent)
    assert len(messages(pipeline.fake, "C1", thread=True)) == 1


async def test_an_alert_about_an_assigned_issue_names_the_assignee(pipeline: Pipeline) -> None:
    pipeline.fake.users["UDAVE"] = {"email": "Dave@Acme.example", "name": "dave"}  # emails match in any case
    await pipeline.subscribe("C1", "front-end")
    for n in range(2):
        await pipeline.service_hook(hook_payload(event=f"e{n}", assignedTo=DAVE))  # the group as Sentry serializes it
        await pipeline.drained()

    parent, repeat = posts(pipeline.fake, "C1")
    assert "👤 Assigned to <@UDAVE>" in text_of(parent)
    assert "<@UDAVE>" not in text_of(repeat)  # assigned before its first message: no news since


async def test_an_assignment_only_an_alert_reports_pings_once(pipeline: Pipeline) -> None:
    """With service hooks alone, an assignment made in Sentry shows first on the issue's next alert."""
    pipeline.fake.users["UDAVE"] = {"email": "dave@acme.example", "name": "dave"}
    await pipeline.subscribe("C1", "front-end")
    for n, assignee in enumerate([None, DAVE, DAVE]):
        await pipeline.service_hook(hook_payload(event=f"e{n}", assignedTo=assignee))
        await pipeline.drained()

    replies = [text_of(r) for r in messages(pipeline.fake, "C1", thread=True)]
    assert [r for r in replies if "<@UDAVE>" in r] == [replies[1]]
    assert "assigned this issue to <@UDAVE>." in replies[1]


async def test_an_admin_identity_link_names_the_assignee_and_a_reassignment_pings_again(
    pipeline: Pipeline, db: Database
) -> None:
    overrides = await StoredOverrides.load(db)
    await overrides.save("UDKIM", "dave@acme.example", set_by="UADMIN")  # /sentry identity set
    # Assignment replies are off here: the new assignee is pinged all the same.
    await pipeline.subscribe("C1", "front-end", "--events", "alert")
    await pipeline.service_hook(hook_payload())
    await pipeline.drained()

    for change in (assigned_to(DAVE), issue_payload("unassigned"), assigned_to(DAVE)):
        await pipeline.sentry_app("issue", change)
        await pipeline.drained()

    pings = messages(pipeline.fake, "C1", thread=True)
    assert [text_of(p).count("<@UDKIM>") > 0 for p in pings] == [True, True]
    assert "*colleen* assigned this issue to <@UDKIM>." in text_of(pings[0])


async def test_an_assignee_slack_does_not_know_is_named_as_sentry_names_them(pipeline: Pipeline) -> None:
    await pipeline.subscribe("C1", "front-end")
    await pipeline.service_hook(hook_payload())
    await pipeline.drained()
    await pipeline.sentry_app("issue", assigned_to({**DAVE, "email": "nobody@acme.example"}))
    await pipeline.drained()

    (parent,) = messages(pipeline.fake, "C1", thread=False)
    assert "Assigned to Dave Kim" in text_of(parent) and "<@" not in text_of(parent)


# ---------------------------------------------------------------------- regressions and broadcast


async def test_only_a_regression_is_broadcast(pipeline: Pipeline) -> None:
    await pipeline.subscribe("C1", "front-end", "--broadcast", "regression", "--mention", ONCALL)
    await pipeline.subscribe("C2", "front-end", "--mention", ONCALL, "--mention-on", "regression")
    await pipeline.service_hook(hook_payload(event="e1", count=1))
    await pipeline.drained()
    await pipeline.service_hook(hook_payload(event="e2", count=2))  # a repeat: stays in the thread
    await pipeline.drained()
    await pipeline.sentry_app("issue", issue_payload("resolved", status="resolved"))
    await pipeline.drained()
    # Seen again after it was resolved: Sentry reopens it as regressed.
    await pipeline.service_hook(hook_payload(event="e3", count=3, substatus="regressed"))
    await pipeline.drained()
    await pipeline.service_hook(hook_payload(event="e4", count=4, substatus="regressed"))  # still regressed
    await pipeline.drained()

    replies = posts(pipeline.fake, "C1", thread=True)
    broadcast = [r for r in replies if r.get("reply_broadcast")]
    assert len(replies) == 4  # seen again, resolved, the regression, seen again
    assert [text_of(r) for r in broadcast] == [text_of(replies[2])]
    assert "*Regression*: this resolved issue is happening again" in text_of(broadcast[0])
    assert ONCALL not in text_of(broadcast[0])  # C1 pings new issues only
    (parent,) = messages(pipeline.fake, "C1", thread=False)
    assert "🔁 Regressed: resolved, then seen again" in text_of(parent)
    assert "✅ Resolved" not in text_of(parent)
    # C2 pings on the regression, in the thread only.
    c2 = posts(pipeline.fake, "C2", thread=True)
    assert [ONCALL in text_of(r) for r in c2] == [False, False, True, False]
    assert not any(r.get("reply_broadcast") for r in c2)


async def test_sentry_reopening_a_resolved_issue_is_a_regression(pipeline: Pipeline) -> None:
    await pipeline.subscribe("C1", "front-end", "--broadcast", "regression,resolved")
    await pipeline.service_hook(hook_payload())
    await pipeline.drained()
    await pipeline.sentry_app("issue", issue_payload("resolved", status="resolved"))
    await pipeline.drained()
    # event_manager.py `_handle_regression` sends `issue.unresolved` by no user (actor: Sentry).
    reopened = issue_payload("unresolved", actor=None, status="unresolved", substatus="regressed")
    await pipeline.sentry_app("issue", reopened)
    await pipeline.drained()
    await pipeline.sentry_app("issue", issue_payload("unresolved", actor="colleen", substatus="ongoing"))
    await pipeline.drained()

    resolved, regression = posts(pipeline.fake, "C1", thread=True)
    assert resolved.get("reply_broadcast") and regression.get("reply_broadcast")
    assert "Sentry saw this resolved issue again" in text_of(regression)
    (parent,) = messages(pipeline.fake, "C1", thread=False)
    assert "🔁 Regressed" in text_of(parent)


async def test_sentry_reopening_an_issue_archived_until_escalating_is_an_escalation(pipeline: Pipeline) -> None:
    await pipeline.subscribe(
        "C1", "front-end", "--mention", "<@UONCALL>", "--mention-on", "escalation", "--broadcast", "escalation"
    )
    await pipeline.service_hook(hook_payload())
    await pipeline.drained()
    archived = issue_payload("ignored", status="ignored", substatus="archived_until_escalating")
    await pipeline.sentry_app("issue", archived)
    await pipeline.drained()
    # receivers/sentry_apps.py `send_issue_escalating_webhook`: "Escalating is a form of unresolved".
    await pipeline.sentry_app("issue", issue_payload("unresolved", actor=None, substatus="escalating"))
    await pipeline.drained()

    archived_reply, escalating = posts(pipeline.fake, "C1", thread=True)
    assert not archived_reply.get("reply_broadcast") and "<@UONCALL>" not in text_of(archived_reply)
    assert escalating.get("reply_broadcast")
    assert escalating["text"].startswith("<@UONCALL> 📈 *Escalating*")


# ---------------------------------------------------------------------- tags


async def test_chosen_tags_show_on_the_alert_from_the_event(pipeline: Pipeline) -> None:
    await pipeline.subscribe("C1", "front-end", "--tags", "release,browser,os,url")
    await pipeline.subscribe("C2", "front-end")
    hostile = "<!channel> & <https://evil.example|x>"
    await pipeline.service_hook(hook_payload(tags={"release": "web@1.4.2", "url": hostile}))
    await pipeline.drained()

    (alert,) = posts(pipeline.fake, "C1")
    fields = next(b for b in alert["blocks"] if b.get("fields") and "*browser*" in str(b["fields"]))
    assert [f["text"] for f in fields["fields"]] == [
        "*release*\nweb@1.4.2",
        "*browser*\nChrome 75.0.3770",
        "*url*\n&lt;!channel&gt; &amp; &lt;https://evil.example|x&gt;",  # os: not in the event, left out
    ]
    (plain,) = posts(pipeline.fake, "C2")
    assert "web@1.4.2" not in str([b for b in plain["blocks"] if b.get("fields") and "*url*" in str(b)])


def test_the_largest_alert_with_mentions_and_tags_fits_slack() -> None:
    long = "<&>" * 400
    alert = Alert(
        kind=EventKind.ALERT,
        key="issue:1",
        title=long,
        issue_id="1",
        short_id="WEB-1",
        culprit=long,
        level="fatal",
        environment=long,
        release=long,
        tags=tuple((f"k{i}", long) for i in range(6)),
        event_tags=tuple((f"t{i}", "v" * 200) for i in range(50)),
        rule=long,
        assignee=long,
    )
    mentions = [f"<@U{i:08}>" for i in range(10)]
    message = alert_message(
        alert,
        status="unresolved",
        regressed=True,
        assignee_user="UDAVE",
        mention=mentions,
        tags=[f"t{i}" for i in range(10)],
    )
    assert block_kit_errors(message["blocks"]) == []
    assert len(message["text"]) <= 3000
    assert len(message["blocks"]) <= 50
