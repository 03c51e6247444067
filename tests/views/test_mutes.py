"""The mute banner and menu on an alert message, and the answers of mute, unmute and mutes."""

from __future__ import annotations

from bot.alerts.models import Alert, EventKind
from bot.mutes import Mute, MuteEnd, MuteKind
from bot.views.alert import alert_message, mute_banner, mute_ended_reply
from bot.views.mutes import mute_list, mute_saved, unmuted
from bot.views.routing import Action, decode
from tests.alerts.harness import text_of
from tests.fakes import block_kit_errors
from tests.views.limits import assert_within_limits

HOSTILE = "<!channel> & <https://evil.example|x>"
ALERT = Alert(
    kind=EventKind.ALERT,
    key="issue:5501024301",
    title="TypeError: Cannot read properties of undefined (reading 'id')",
    issue_id="5501024301",
    short_id="WEB-12A",
    projects=("web",),
    level="error",
    events=1234,
    environment="production",
    link="https://acme.sentry.io/issues/5501024301/",
)
AT_14_00 = 1_796_220_000.0  # 2026-12-02 14:00 UTC


def muted(kind: MuteKind = MuteKind.ISSUE, *, hours: float = 4, label: str = "WEB-12A") -> Mute:
    target = "5501024301" if kind is MuteKind.ISSUE else label
    return Mute(
        id=7,
        channel_id="CALERTS",
        kind=kind,
        target=target,
        label=label,
        muted_by="UDAVE",
        created_at=AT_14_00 - hours * 3600,
        until=AT_14_00,
        alerts=12,
    )


def elements(message: dict) -> list[dict]:  # type: ignore[type-arg]
    return [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_an_alert_message_offers_the_mute_menu_with_the_issue_and_duration_in_each_option() -> None:
    message = alert_message(ALERT)
    (menu,) = [e for e in elements(message) if e["action_id"] == Action.MUTE]
    assert menu["type"] == "static_select"
    assert [decode(o["value"]) for o in menu["options"]] == [
        {"issue": "5501024301", "d": d} for d in ("30m", "4h", "1d", "1w")
    ]
    assert block_kit_errors(message["blocks"]) == []


def test_a_muted_alert_message_shows_the_banner_in_the_readers_time_and_an_unmute_button() -> None:
    message = alert_message(ALERT, muted=muted())
    banner = "🔕 Muted by <@UDAVE> until <!date^1796220000^{time}|2026-12-02 14:00 UTC>"
    assert {"type": "context", "elements": [{"type": "mrkdwn", "text": banner}]} in message["blocks"]
    (unmute,) = [e for e in elements(message) if e["action_id"] == Action.UNMUTE]
    assert decode(unmute["value"]) == {"ref": "5501024301"}
    assert not [e for e in elements(message) if e["action_id"] == Action.MUTE]
    assert_within_limits(message)


def test_a_project_mute_names_the_project_and_a_long_one_the_day() -> None:
    week = muted(MuteKind.PROJECT, hours=7 * 24, label="web")
    assert mute_banner(week) == (
        "🔕 *web* muted by <@UDAVE> until <!date^1796220000^{date_short_pretty} {time}|2026-12-02 14:00 UTC>"
    )
    (unmute,) = [e for e in elements(alert_message(ALERT, muted=week)) if e["action_id"] == Action.UNMUTE]
    assert decode(unmute["value"]) == {"ref": "web"}


def test_the_end_line_counts_what_came_and_names_who_ended_it() -> None:
    end = MuteEnd(label="WEB-12A", kind=MuteKind.ISSUE, muted_by="UDAVE", count=12)
    assert text_of(mute_ended_reply(end, latest=ALERT)).startswith(
        "🔔 The mute by <@UDAVE> ended: *12* alerts came while muted; latest: 1,234 events · production."
    )
    one = end.model_copy(update={"count": 1, "ended_by": "UALICE"})
    assert text_of(mute_ended_reply(one)).startswith("🔔 <@UALICE> ended the mute by <@UDAVE>: *1* alert came while")
    quiet = end.model_copy(update={"count": 0})
    assert text_of(mute_ended_reply(quiet)).startswith("🔔 The mute by <@UDAVE> ended: no alerts came while muted.")


def test_outside_names_stay_inert_in_every_mute_answer() -> None:
    hostile = muted(MuteKind.PROJECT, label=HOSTILE)
    for message in (mute_saved(hostile), unmuted(hostile), mute_list([hostile]), alert_message(ALERT, muted=hostile)):
        assert "<!channel>" not in text_of(message)
        assert_within_limits(message)


def test_the_list_fits_slack_however_many_mutes() -> None:
    many = [muted(MuteKind.PROJECT, label=f"project-{n}") for n in range(400)]
    message = mute_list(many)
    assert_within_limits(message)
    assert block_kit_errors(message["blocks"]) == []
    assert "Nothing is muted" in text_of(mute_list([]))
