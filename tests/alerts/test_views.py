"""The alert views: outside text stays inert, long things fit Slack, digests rank and sum up."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.alerts.models import Alert, DigestEntry, EventKind, IssueChange
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
