"""Outside text can't ping or forge links: `<!channel>`, `<!here>`, `<@U123>` and `<url|label>` typed into
an issue title, a culprit, a tag value or a name reach Slack as inert text, and a huge one still fits.

Every text field is read (`visible_text`: mrkdwn and plain_text, buttons included), in views and in
what the dispatcher answers when a user's own words come back in an error.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.alerts.models import Alert, EventKind
from bot.audit import AuditEntry
from bot.commands import registry
from bot.commands.dispatch import Dispatcher
from bot.sentry.models import Assignee, ProjectRef
from bot.views.alert import alert_message
from bot.views.audit import audit_list, audit_post
from bot.views.blocks import esc, message, section
from bot.views.common import error_message
from bot.views.event import event_card
from bot.views.issue import issue_card, issue_line
from bot.views.members import member_card, member_list
from bot.views.tags import tag_values
from tests.permissions.builders import Team, user_id
from tests.views import builders as b
from tests.views.builders import NOW
from tests.views.limits import assert_within_limits
from tests.views.read import visible_text

# `&` first, so even a view that cuts a tag value at 80 characters still shows all of it escaped.
HOSTILE = "& co <!channel> <!here> <@U123> <https://evil.example|click>"
HUGE = (HOSTILE + " ") * (100_000 // len(HOSTILE))

Message = dict[str, Any]


def assert_inert(msg: Message, *, whole: bool = True) -> None:
    """None of HOSTILE's markup survives; with `whole`, its text shows escaped (not cut away)."""
    text = visible_text(msg)
    assert "<!" not in text
    assert "<@U123" not in text
    assert "<https://evil.example" not in text
    assert "|click>" not in text
    if whole:
        assert "&amp; co &lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt;" in text


def audit_entry(text: str) -> AuditEntry:
    return AuditEntry(
        id=1,
        at=datetime(2024, 5, 1, 12, tzinfo=UTC),
        slack_user_id="U0MANAGER",
        member_email=text,
        command="resolve",
        text=text,
        target=text,
        result="ok",
    )


def alert(text: str) -> Alert:
    return Alert(
        kind=EventKind.ALERT,
        key="issue:4711",
        projects=("web",),
        title=text,
        issue_id="4711",
        short_id="WEB-12A",
        culprit=text,
        environment=text,
        release=text,
        tags=(("browser", text),),
        rule=text,
        assignee=text,
    )


def line(text: str) -> Message:
    return message(text, [section(text)])


def views(text: str) -> dict[str, Callable[[], Message]]:
    """Every place outside text is shown, with `text` in it."""
    return {
        "issue title": lambda: issue_card(b.issue(title=text), now=NOW),
        "issue culprit": lambda: issue_card(b.issue(culprit=text), now=NOW),
        "issue assignee": lambda: issue_card(b.issue(assigned_to=Assignee(type="user", name=text)), now=NOW),
        "issue team": lambda: issue_card(b.issue(assigned_to=Assignee(type="team", name=text)), now=NOW),
        "issue project": lambda: issue_card(b.issue(project=ProjectRef(id="1", slug=text)), now=NOW),
        "issue release": lambda: issue_card(b.issue(status="resolved", status_details={"inRelease": text}), now=NOW),
        # The note is mrkdwn its caller composed, outside parts escaped (as `notice` takes it).
        "issue changed by": lambda: issue_card(b.issue(), now=NOW, changed_by=text, note=esc(text)),
        "issue line": lambda: line(issue_line(b.issue(title=text))),
        "event title": lambda: event_card(b.event_resolution(title=text), now=NOW),
        "event tag value": lambda: event_card(b.event_resolution(tags={"browser": text}), now=NOW),
        "event tag key": lambda: event_card(b.event_resolution(tags={text: "Chrome"}), now=NOW),
        "tag values": lambda: tag_values("web", "browser", b.page([b.tag_value(text, 3)])),
        "member name": lambda: member_card(b.member(name=text), now=NOW),
        "member email": lambda: member_card(b.member(email=text), now=NOW),
        "member list": lambda: member_list(b.page([b.member(name=text)]), command="/sentry members"),
        "alert": lambda: alert_message(alert(text)),
        "audit list": lambda: audit_list([audit_entry(text)]),
        "audit post": lambda: audit_post(audit_entry(text)),
        "error": lambda: error_message(text),
    }


@pytest.mark.parametrize("view", views(HOSTILE).values(), ids=views(HOSTILE).keys())
def test_hostile_text_is_inert(view: Callable[[], Message]):
    msg = view()

    assert_within_limits(msg)
    assert_inert(msg)


@pytest.mark.parametrize("view", views(HUGE).values(), ids=views(HUGE).keys())
def test_a_100000_character_text_still_fits_and_stays_inert(view: Callable[[], Message]):
    msg = view()

    assert_within_limits(msg)
    assert_inert(msg, whole=False)


def test_a_hostile_permalink_cannot_break_out_of_its_link():
    msg = issue_card(b.issue(permalink="https://acme.sentry.io/issues/1/>|<!channel>"), now=NOW)

    assert "<!" not in visible_text(msg)


async def test_a_hostile_email_typed_in_a_command_comes_back_inert():
    reply = await Dispatcher(registry).run(f'identity set <@U0NEW> "{HOSTILE}"', Team.build().ctx("manager"))

    assert_inert(reply.message)


@pytest.mark.parametrize("command", ["whoami", "resolve WEB-12A", "member remove bob@acme.example"])
async def test_a_hostile_slack_email_comes_back_inert(command: str):
    # The directory's email is shown in whoami and in refusals: Slack profiles are outside text too.
    team = Team.build(emails={user_id("unmapped"): HOSTILE})

    reply = await Dispatcher(registry).run(command, team.ctx("unmapped"))

    assert_inert(reply.message)
