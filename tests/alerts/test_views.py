"""The alert views: outside text stays inert, long things fit Slack, digests rank and sum up."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.alerts.models import Alert, DigestEntry, EventKind, IssueChange
from bot.mutes.models import Mute, MuteKind
from bot.views.alert import DIGEST_ROWS, alert_message, change_reply, digest_message
from tests.alerts.harness import text_of
from tests.fakes import block_kit_errors

HOSTILE = "<!channel> & <https://evil.example|click>"


def alert(**fields: object) -> Alert:
    base: dict[str, object] = {"kind": EventKind.ALERT, "key": "issue:1", "title": "Boom", "issue_id": "1"}
    return Alert.model_validate(base | fields)


def test_outside_text_is_escaped_everywhere() -> None:
    shown = text_of(
        alert_message(
            alert(
                title=HOSTILE,
                culprit=HOSTILE,
                environment=HOSTILE,
                release=HOSTILE,
                tags=(("browser", HOSTILE),),
                rule=HOSTILE,
                projects=("web",),
            ),
            assignee=HOSTILE,
        )
    )
    assert "<!channel>" not in shown
    assert "<https://evil.example" not in shown
    assert "&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;" in shown
    reply = text_of(
        change_reply(IssueChange(kind=EventKind.COMMENT, issue_id="1", action="commented", actor=HOSTILE, text=HOSTILE))
    )
    assert "<!channel>" not in reply


def test_a_huge_alert_still_fits_slack() -> None:
    message = alert_message(alert(title="x" * 10_000, culprit="y" * 10_000, tags=(("url", "z" * 5000),)))
    assert block_kit_errors(message["blocks"]) == []
    assert len(message["text"]) <= 3000


def test_the_state_of_the_issue_shows_and_picks_the_buttons() -> None:
    message = alert_message(alert(status="unresolved"), status="resolved", assignee="Jane")
    assert "✅ Resolved" in text_of(message) and "Assigned to Jane" in text_of(message)
    assert message["blocks"][-1]["elements"][0]["action_id"] == "issue.unresolve"


def test_a_digest_ranks_issues_and_sums_up_the_rest() -> None:
    entries = [DigestEntry(title=f"error {i}", short_id=f"WEB-{i}", count=i + 1) for i in range(DIGEST_ROWS + 5)]
    message = digest_message(entries, total=999, since=datetime(2024, 5, 1, tzinfo=UTC))
    shown = text_of(message)
    assert "999 alerts about 30 issues" in shown
    assert shown.index("*30×*") < shown.index("*29×*")  # busiest first
    assert "… and 5 more issues (15 alerts)" in shown  # counts 1..5
    assert block_kit_errors(message["blocks"]) == []


def test_an_alert_carries_create_ticket_with_its_issue() -> None:
    buttons = alert_message(alert())["blocks"][-1]["elements"]
    (ticket,) = [b for b in buttons if b["action_id"] == "issue.ticket"]
    assert ticket["text"]["text"] == "Create ticket" and '"issue":"1"' in ticket["value"]


def test_one_alert_carries_its_mention_its_tags_and_its_mute_banner_together() -> None:
    # Three options of issue 14 on one message: the subscription pings the on-call group, shows two
    # tags, and the issue is muted in the channel (the banner, and Unmute in place of the Mute menu).
    muted = Mute(
        id=7,
        channel_id="C123",
        kind=MuteKind.ISSUE,
        target="5501024301",
        label="WEB-12A",
        muted_by="UDAVE",
        created_at=1796205600.0,
        until=1796220000.0,
    )
    message = alert_message(
        alert(
            issue_id="5501024301",
            short_id="WEB-12A",
            level="error",
            projects=("web",),
            environment="production",
            release="web@2.3.0",
            event_tags=(("browser", "Chrome 131.0"), ("os", "Windows 11")),
            link="https://acme.sentry.io/issues/5501024301/",
        ),
        mention=["<!subteam^S0ONCALL>"],
        tags=["release", "browser"],
        muted=muted,
    )
    shown = text_of(message)
    assert message["text"].startswith("<!subteam^S0ONCALL> ")
    assert "🔔 <!subteam^S0ONCALL>" in shown
    assert "*release*\nweb@2.3.0" in shown and "*browser*\nChrome 131.0" in shown and "Windows 11" not in shown
    assert "🔕 Muted by <@UDAVE> until <!date^1796220000^{time}|" in shown
    action_ids = [e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert "alert.unmute" in action_ids and "alert.mute" not in action_ids
    assert block_kit_errors(message["blocks"]) == []
