"""Delivery: routing by subscription, threads, issue changes kept in sync, escalations, Slack's failures."""

from __future__ import annotations

import time

from sqlalchemy import select

from bot.alerts.router import Router
from bot.alerts.slack_errors import plain_reason
from bot.store.alerts import deliveries
from tests.alerts.harness import Pipeline, hook_payload, issue_payload, messages, posts, text_of
from tests.alerts.payloads import comment, metric_alert

ISSUE = "1170820242"


async def test_alerts_go_only_where_level_environment_and_events_match(pipeline: Pipeline) -> None:
    await pipeline.subscribe("CALL", "front-end")
    await pipeline.subscribe("CERR", "front-end", "--level", "error,fatal")
    await pipeline.subscribe("CPROD", "front-end", "--env", "production")
    await pipeline.subscribe("CMETRIC", "front-end", "--events", "metric")
    await pipeline.subscribe("COTHER", "api")

    await pipeline.service_hook(hook_payload(issue="1", event="e1", level="warning", environment="production"))
    await pipeline.service_hook(hook_payload(issue="2", event="e2", level="error", environment="staging"))
    await pipeline.service_hook(hook_payload(issue="3", event="e3", level="fatal"))  # no environment tag
    await pipeline.drained()

    def issues_in(channel: str) -> list[str]:
        return sorted(c["blocks"][-1]["block_id"] for c in posts(pipeline.fake, channel))

    assert issues_in("CALL") == ['{"issue":"1"}', '{"issue":"2"}', '{"issue":"3"}']
    assert issues_in("CERR") == ['{"issue":"2"}', '{"issue":"3"}']
    # An alert without an environment passes an environment filter: it cannot be told apart.
    assert issues_in("CPROD") == ['{"issue":"1"}', '{"issue":"3"}']
    assert posts(pipeline.fake, "CMETRIC") == posts(pipeline.fake, "COTHER") == []


async def test_repeats_of_an_issue_go_in_its_thread_or_not(pipeline: Pipeline) -> None:
    await pipeline.subscribe("CTHREAD", "front-end")
    await pipeline.subscribe("CFLAT", "front-end", "--threads", "off")
    for n in range(3):
        await pipeline.service_hook(hook_payload(event=f"e{n}"))
        await pipeline.drained()

    parent, *replies = messages(pipeline.fake, "CTHREAD")
    assert "thread_ts" not in parent
    assert [r["thread_ts"] for r in replies] == [parent["ts"]] * 2
    assert "Seen again · 3 events" in text_of(replies[-1])
    assert len(messages(pipeline.fake, "CFLAT", thread=False)) == 3


async def test_an_issue_resolved_in_sentry_updates_the_message_and_says_who(pipeline: Pipeline) -> None:
    await pipeline.subscribe("C1", "front-end")
    await pipeline.service_hook(hook_payload())
    await pipeline.drained()

    await pipeline.sentry_app("issue", issue_payload("resolved", actor="colleen", status="resolved"))
    await pipeline.drained()

    (parent,) = messages(pipeline.fake, "C1", thread=False)
    (reply,) = messages(pipeline.fake, "C1", thread=True)
    assert pipeline.fake.count("chat.update") == 1
    actions = parent["blocks"][-1]["elements"]
    assert actions[0]["action_id"] == "issue.unresolve"
    assert "✅ Resolved" in text_of(parent)
    assert reply["thread_ts"] == parent["ts"]
    assert "*colleen* resolved this issue." in text_of(reply)


async def test_a_button_in_slack_updates_every_channel_and_sentry_s_echo_stays_quiet(pipeline: Pipeline) -> None:
    await pipeline.subscribe("C1", "front-end")
    await pipeline.subscribe("C2", "front-end")
    await pipeline.service_hook(hook_payload())
    await pipeline.drained()

    await pipeline.outbox.issue_changed(ISSUE, actor="U777", action="assigned", assignee="Jane <jane@x>")
    await pipeline.drained()
    # Sentry then reports the same assignment by webhook: already shown, so nothing new.
    echo = issue_payload("assigned", actor="Jane", assignedTo={"type": "user", "name": "Jane <jane@x>"})
    await pipeline.sentry_app("issue", echo)
    await pipeline.drained()

    for channel in ("C1", "C2"):
        (parent,) = messages(pipeline.fake, channel, thread=False)
        (reply,) = messages(pipeline.fake, channel, thread=True)
        assert "👤 Assigned to Jane &lt;jane@x&gt;" in text_of(parent)
        assert "<@U777> assigned this issue to Jane &lt;jane@x&gt;." in text_of(reply)
    assert pipeline.fake.count("chat.update") == 2


async def test_a_change_before_the_message_is_posted_shows_in_the_first_post(pipeline: Pipeline) -> None:
    await pipeline.subscribe("C1", "front-end")
    await pipeline.worker.stop()
    await pipeline.service_hook(hook_payload())
    await pipeline.outbox.issue_changed(ISSUE, actor="U123", action="ignored")
    router = Router(pipeline.db, escalations=[10])
    assert await router.route_batch(time.time()) == 2  # both routed, nothing sent yet
    await pipeline.worker.start()
    await pipeline.drained()
    (parent,) = messages(pipeline.fake, "C1", thread=False)
    (reply,) = messages(pipeline.fake, "C1", thread=True)
    assert "💤 Archived" in text_of(parent)
    assert "<@U123> archived this issue." in text_of(reply)
    assert pipeline.fake.count("chat.update") == 0


async def test_comments_and_change_replies_follow_the_events_filter(pipeline: Pipeline) -> None:
    await pipeline.subscribe("CALL", "front-end")
    await pipeline.subscribe("CQUIET", "front-end", "--events", "alert")
    await pipeline.service_hook(hook_payload(issue="100"))
    await pipeline.drained()
    await pipeline.sentry_app("comment", comment("created"))  # a comment on issue 100
    await pipeline.sentry_app("issue", issue_payload("resolved", issue="100", status="resolved"))
    await pipeline.drained()

    replies = messages(pipeline.fake, "CALL", thread=True)
    assert ["commented" in text_of(r) for r in replies] == [True, False]
    assert "> adding a comment" in text_of(replies[0])
    assert messages(pipeline.fake, "CQUIET", thread=True) == []
    # The parent is kept in sync everywhere, whatever the filter.
    assert {c["channel"] for c in pipeline.fake.calls_to("chat.update")} == {"CALL", "CQUIET"}


async def test_metric_alert_states_share_a_thread(pipeline: Pipeline) -> None:
    await pipeline.subscribe("C1", "bar")
    await pipeline.sentry_app("metric_alert", metric_alert("critical"))
    await pipeline.drained()
    await pipeline.sentry_app("metric_alert", metric_alert("resolved"))
    await pipeline.drained()
    parent, reply = messages(pipeline.fake, "C1")
    assert "🚨" in text_of(parent)
    assert reply["thread_ts"] == parent["ts"]
    assert "✅" in text_of(reply)


async def test_an_issue_reaching_10_events_gets_an_escalation_reply(pipeline: Pipeline) -> None:
    await pipeline.subscribe("C1", "front-end")
    await pipeline.service_hook(hook_payload(event="e0", count=3))
    await pipeline.drained()
    await pipeline.service_hook(hook_payload(event="e1", count=12))
    await pipeline.service_hook(hook_payload(event="e2", count=14))
    await pipeline.drained()
    parent, *replies = messages(pipeline.fake, "C1")
    escalations = [r for r in replies if "reached" in text_of(r)]
    assert len(escalations) == 1
    assert "reached *10* events (12 so far)" in text_of(escalations[0])
    assert escalations[0]["thread_ts"] == parent["ts"]


# ---------------------------------------------------------------------- Slack's failures


async def test_a_refused_channel_pauses_its_subscriptions_and_tells_who_subscribed(pipeline: Pipeline) -> None:
    await pipeline.subscribe("CGONE", "front-end", by="U100")
    await pipeline.subscribe("CGONE", "api", by="U200")
    await pipeline.subscribe("COK", "front-end")
    pipeline.fake.fail_next("chat.postMessage", error="is_archived")
    await pipeline.service_hook(hook_payload(event="e1", project="api"))
    await pipeline.drained()
    await pipeline.service_hook(hook_payload(event="e2"))  # after the pause: not routed to CGONE
    await pipeline.drained()

    gone = [c for c in pipeline.fake.calls_to("chat.postMessage") if c["channel"] == "CGONE"]
    assert len(gone) == 1  # tried once, never retried
    reason = plain_reason("is_archived")
    assert [s.broken_reason for s in await pipeline.subscriptions.list("CGONE")] == [reason, reason]
    (to_u100,) = posts(pipeline.fake, "U100")
    (to_u200,) = posts(pipeline.fake, "U200")
    assert "the channel was archived" in text_of(to_u100)
    assert "*front-end*" in text_of(to_u100) and "*api*" in text_of(to_u200)
    assert len(posts(pipeline.fake, "COK")) == 1

    await pipeline.subscribe("CGONE", "front-end")  # fixed: subscribing again resumes
    assert [s.broken_reason for s in await pipeline.subscriptions.list("CGONE")] == [reason, None]


async def test_a_server_error_is_retried_and_delivered_once(pipeline: Pipeline) -> None:
    await pipeline.subscribe("C1", "front-end")
    pipeline.fake.fail_next("chat.postMessage", status=500, times=2)
    await pipeline.service_hook(hook_payload())
    await pipeline.drained()
    assert [c.status for c in pipeline.fake.calls if c.method == "chat.postMessage"] == [500, 500, 200]
    assert len(messages(pipeline.fake, "C1")) == 1


async def test_retry_after_is_honoured(pipeline: Pipeline) -> None:
    await pipeline.subscribe("C1", "front-end")
    pipeline.fake.fail_next("chat.postMessage", status=429, retry_after=1)
    await pipeline.service_hook(hook_payload())
    await pipeline.drained()
    refused, accepted = [c for c in pipeline.fake.calls if c.method == "chat.postMessage"]
    assert refused.status == 429 and accepted.ok
    assert accepted.at - refused.at >= 0.95


async def test_a_message_slack_refuses_is_dropped_and_the_queue_moves_on(pipeline: Pipeline) -> None:
    await pipeline.subscribe("C1", "front-end")
    pipeline.fake.fail_next("chat.postMessage", error="invalid_blocks")
    await pipeline.service_hook(hook_payload(issue="1", event="e1"))
    await pipeline.service_hook(hook_payload(issue="2", event="e2"))
    await pipeline.drained()
    assert len(messages(pipeline.fake, "C1")) == 1
    async with pipeline.db.read() as conn:
        statuses = (await conn.execute(select(deliveries.c.status, deliveries.c.error).order_by(deliveries.c.id))).all()
    assert [tuple(s) for s in statuses] == [("failed", "invalid_blocks"), ("sent", None)]
    assert (await pipeline.subscriptions.list("C1"))[0].broken_reason is None
