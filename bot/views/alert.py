"""Alert messages: the first message about an issue, its thread replies, storm digests, notices.

Pure: each function takes the alert pipeline's models and returns a message payload (fallback
text plus blocks) that has passed `guard()`. All outside text is escaped here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from bot.alerts.models import Alert, DigestEntry, EventKind, IssueChange
from bot.mutes.models import MENU, Mute, MuteEnd, MuteKind
from bot.views.blocks import Block, actions, button, context, esc, fields_section, link, message, section, truncate
from bot.views.common import Message, number, utc
from bot.views.issue import LEVEL_EMOJI
from bot.views.issue_actions import issue_action_buttons
from bot.views.routing import Action, encode

__all__ = [
    "DIGEST_ROWS",
    "alert_message",
    "broken_notice",
    "change_reply",
    "digest_message",
    "escalation_reply",
    "mute_banner",
    "mute_ended_reply",
    "repeat_reply",
]

TITLE_MAX = 250
DIGEST_ROWS = 25
NONE = "—"

# --- words -------------------------------------------------------------------------------------
RULE = "Rule: {rule}"
STATUS = {"resolved": "✅ Resolved", "ignored": "💤 Archived"}
ASSIGNED_TO = "👤 Assigned to {who}"
METRIC_EMOJI = {"critical": "🚨", "warning": "⚠️", "resolved": "✅"}
METRIC_STATE = {"critical": "Critical", "warning": "Warning", "resolved": "Resolved"}
OPEN_IN_SENTRY = "Open in Sentry"
REPEAT = "🔁 Seen again{facts}"
REPEAT_EVENT = "view event"
EVENT = "{n} event"
EVENTS = "{n} events"
CHANGES = {
    "resolved": "✅ {who} resolved this issue.",
    "unresolved": "↩️ {who} reopened this issue.",
    "ignored": "💤 {who} archived this issue.",
    "assigned": "👤 {who} assigned this issue to {assignee}.",
    "unassigned": "👤 {who} unassigned this issue.",
    "commented": "💬 {who} commented:",
    "edited a comment": "💬 {who} edited a comment:",
}
CHANGE_FALLBACK = "{who} changed this issue ({action})."
# --- mentions, regressions and tags (issue 14) ---
MENTION = "🔔 {who}"
REGRESSED = "🔁 Regressed: resolved, then seen again"
REPEAT_REGRESSION = "🔁 *Regression*: this resolved issue is happening again{facts}"
REGRESSION_CHANGE = "🔁 *Regression*: Sentry saw this resolved issue again and reopened it."
ESCALATING_CHANGE = "📈 *Escalating*: this archived issue is happening more than before, so Sentry reopened it."
TAGS_MAX = 10  # one section of fields
TAG_VALUE_MAX = 200  # Sentry's own limit on a tag value
ESCALATION = "📈 {ref} reached *{threshold}* events ({events} so far)."
DIGEST_TITLE = "🌩️ Alert storm: {total} alerts about {issues} issues since {since}"
DIGEST_ROW = "*{count}×* {ref} {title}{project}"
DIGEST_MORE = "… and {issues} more issues ({alerts} alerts)"
DIGEST_FOOTER = (
    "Sentry is sending more alerts than Slack lets me post here, so I'm counting them in this message. "
    "Separate messages resume when it calms down."
)
MUTE_MENU = "🔕 Mute"
UNMUTE = "🔔 Unmute"
MUTED_ISSUE = "🔕 Muted by <@{who}> until {until}"
MUTED_PROJECT = "🔕 *{project}* muted by <@{who}> until {until}"
MUTE_ENDED = {
    None: "🔔 The mute by <@{who}> ended",
    "by": "🔔 <@{by}> ended the mute by <@{who}>",
}
MUTE_COUNTED = "{ended}: *{count}* {alerts} came while muted{latest}."
MUTE_QUIET = "{ended}: no alerts came while muted."
MUTE_LATEST = "; latest: {facts}"
BROKEN = (
    "⚠️ I can't post Sentry alerts in <#{channel}> any more: {reason}. "
    "I've paused its subscriptions ({projects}). Once that's fixed, run `/sentry subscribe <project>` "
    "there again."
)

_SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")


def alert_message(
    alert: Alert,
    *,
    status: str | None = None,
    assignee: str | None = None,
    assignee_user: str | None = None,
    regressed: bool = False,
    mention: Sequence[str] = (),
    tags: Sequence[str] = (),
    muted: Mute | None = None,
) -> Message:
    """The first message about an alert in a channel; sent again (chat.update) when the issue changes.

    Args:
        alert: the latest alert about the issue.
        status: the issue's current status when known to be newer than the alert's.
        assignee: the current assignee, likewise.
        assignee_user: the assignee's Slack user, when linked: named as a mention.
        regressed: the issue was resolved, then seen again.
        mention: who the subscription pings with this message (`<@U1>`, `<!subteam^S1>`, `<!here>`).
        tags: the tag keys whose values the subscription shows (`--tags`).
        muted: the channel's mute covering the issue now: its banner, and Unmute instead of the Mute menu.
    """
    if alert.kind is EventKind.METRIC:
        return _metric_message(alert, mention=mention, muted=muted)
    status = status or alert.status or "unresolved"
    assignee = assignee if assignee is not None else alert.assignee
    assignee_user = assignee_user or alert.assignee_user
    title = truncate(esc(alert.title), TITLE_MAX)
    emoji = LEVEL_EMOJI.get(alert.level or "", "⚫")
    heading = f"{emoji} {_ref(alert)} · *{link(alert.link, title) if alert.link else title}*"
    blocks = [section(heading)]
    if mention:
        blocks.append(context(MENTION.format(who=" ".join(mention))))
    if alert.culprit:
        blocks.append(context(f"`{truncate(esc(alert.culprit), TITLE_MAX)}`"))
    blocks.append(
        fields_section(
            [
                ("Level", esc(alert.level or NONE)),
                ("Project", esc(alert.project or NONE)),
                ("Environment", esc(alert.environment or NONE)),
                ("Release", esc(alert.release or NONE)),
                ("Events", number(alert.events)),
                ("Users", number(alert.users)),
                ("First seen", _date(alert.first_seen)),
            ]
        )
    )
    # The tags the subscription chose have a section of their own below.
    usual = [(k, v) for k, v in alert.tags if k not in tags]
    facts = [" · ".join(f"{esc(k)}: {esc(v)}" for k, v in usual)] if usual else []
    if alert.rule:
        facts.append(RULE.format(rule=esc(alert.rule)))
    if facts:
        blocks.append(context(*facts))
    if chosen := _chosen_tags(alert, tags):
        blocks.append(fields_section(chosen))
    state = [STATUS[status]] if status in STATUS else []
    if regressed and status == "unresolved":
        state.append(REGRESSED)
    if assignee_user and _SLACK_USER_ID.fullmatch(assignee_user):
        state.append(ASSIGNED_TO.format(who=f"<@{assignee_user}>"))
    elif assignee:
        state.append(ASSIGNED_TO.format(who=esc(assignee)))
    if state:
        blocks.append(context(" · ".join(state)))
    if muted is not None:
        blocks.append(context(mute_banner(muted)))
    if alert.issue_id:
        mute_control = _unmute_button(muted) if muted is not None else _mute_menu(alert.issue_id)
        blocks.append(issue_action_buttons(alert.issue_id, status=status, permalink=alert.link, extra=[mute_control]))
    return message(_pinging(mention, _fallback(alert)), blocks)


def mute_banner(mute: Mute) -> str:
    """ "🔕 Muted by @x until 14:00", the time in each reader's own time zone (Slack's date formatting)."""
    # A mute shorter than a day: the time says enough; a longer one ends on another day.
    shown = "{time}" if mute.until - mute.created_at < 86400 else "{date_short_pretty} {time}"
    fallback = utc(datetime.fromtimestamp(mute.until, UTC))
    until = f"<!date^{int(mute.until)}^{shown}|{fallback}>"
    if mute.kind is MuteKind.PROJECT:
        return MUTED_PROJECT.format(project=esc(mute.label), who=esc(mute.muted_by), until=until)
    return MUTED_ISSUE.format(who=esc(mute.muted_by), until=until)


def mute_ended_reply(end: MuteEnd, *, latest: Alert | None = None) -> Message:
    """The one line a mute's end leaves in the issue's thread: how many alerts came while muted.

    Args:
        end: what the mute counted for this issue, and who muted and unmuted it.
        latest: the issue's latest state (its thread's alert), for the counts it reached.
    """
    if end.ended_by:
        ended = MUTE_ENDED["by"].format(by=esc(end.ended_by), who=esc(end.muted_by))
    else:
        ended = MUTE_ENDED[None].format(who=esc(end.muted_by))
    if not end.count:
        line = MUTE_QUIET.format(ended=ended)
        return message(line, [section(line)])
    facts = _latest_facts(latest) if latest is not None else []
    if latest is not None and end.kind is MuteKind.PROJECT and _ref(latest):
        facts.insert(0, _ref(latest))  # a project's mute ends in many threads, some of them a digest's
    line = MUTE_COUNTED.format(
        ended=ended,
        count=number(end.count),
        alerts="alert" if end.count == 1 else "alerts",
        latest=MUTE_LATEST.format(facts=" · ".join(facts)) if facts else "",
    )
    return message(line, [section(line)])


def repeat_reply(alert: Alert, *, events: int | None = None, mention: Sequence[str] = ()) -> Message:
    """A thread reply for an issue that alerted again: the counts and where it happened.

    Args:
        alert: the alert (`alert.regression`: the issue was resolved, and this says so).
        events: the issue's count as the bot knows it, when higher than the alert's own.
        mention: who the subscription pings with it.
    """
    if alert.kind is EventKind.METRIC:
        # A metric alert's next state (warning, resolved) is worth its full message.
        return _metric_message(alert, mention=mention)
    shown = _latest_facts(alert, events=events)
    template = REPEAT_REGRESSION if alert.regression else REPEAT
    line = _pinging(mention, template.format(facts=" · " + " · ".join(shown) if shown else ""))
    said = "regressed" if alert.regression else "seen again"
    return message(_pinging(mention, f"{_fallback(alert)}: {said}"), [section(line)])


def change_reply(change: IssueChange, *, mention: Sequence[str] = ()) -> Message:
    """A thread reply saying who did what to the issue; a new assignee linked to a Slack user is
    named as a mention, which pings them (routing posts it once per assignment and thread).

    Args:
        change: the change.
        mention: who the subscription pings with it (a regression, an escalation).
    """
    who = _who(change.actor)
    template = CHANGES.get(change.action)
    assignee = esc(change.assignee or NONE)
    if change.assignee_user and _SLACK_USER_ID.fullmatch(change.assignee_user):
        assignee = f"<@{change.assignee_user}>"
    if change.regression:
        line = REGRESSION_CHANGE
    elif change.escalating:
        line = ESCALATING_CHANGE
    elif template:
        line = template.format(who=who, assignee=assignee)
    else:
        line = CHANGE_FALLBACK.format(who=who, action=esc(change.action))
    line = _pinging(mention, line)
    blocks = [section(line)]
    if change.text:
        quoted = "\n".join(f"> {row}" for row in esc(change.text).splitlines() or [""])
        blocks.append(section(quoted))
    return message(line, blocks)


def escalation_reply(alert: Alert, *, threshold: int, events: int, mention: Sequence[str] = ()) -> Message:
    line = _pinging(mention, ESCALATION.format(ref=_ref(alert), threshold=number(threshold), events=number(events)))
    return message(line, [section(line)])


def digest_message(entries: Iterable[DigestEntry], *, total: int, since: datetime) -> Message:
    """One message standing for many alerts: each issue with how many of its alerts it counts.

    The busiest `DIGEST_ROWS` issues are listed; the rest are summed up in one line.
    """
    ranked = sorted(entries, key=lambda e: -e.count)
    title = DIGEST_TITLE.format(total=number(total), issues=number(len(ranked)), since=_date(since))
    rows = [
        DIGEST_ROW.format(
            count=number(e.count),
            ref=_entry_ref(e),
            title=truncate(esc(e.title), 120),
            project=f" ({esc(e.project)})" if e.project else "",
        )
        for e in ranked[:DIGEST_ROWS]
    ]
    hidden = ranked[DIGEST_ROWS:]
    if hidden:
        rows.append(DIGEST_MORE.format(issues=number(len(hidden)), alerts=number(sum(e.count for e in hidden))))
    blocks = [section(title), section("\n".join(rows) or NONE), context(DIGEST_FOOTER)]
    return message(title, blocks)


def broken_notice(channel_id: str, projects: Sequence[str], reason: str) -> Message:
    """A direct message to whoever subscribed, when Slack refuses a channel for good."""
    line = BROKEN.format(
        channel=esc(channel_id), reason=esc(reason), projects=", ".join(f"*{esc(p)}*" for p in projects) or NONE
    )
    return message(line, [section(line)])


# ---------------------------------------------------------------------- pieces


def _pinging(mention: Sequence[str], text: str) -> str:
    """`text` led by the mentions: Slack notifies those named in a message's text."""
    return f"{' '.join(mention)} {text}" if mention else text


def _chosen_tags(alert: Alert, keys: Sequence[str]) -> list[tuple[str, str]]:
    """The values of the tags `keys` names, from the event (level, environment and release also
    from the alert's own fields); tags the event lacks are left out."""
    known = {"level": alert.level, "environment": alert.environment, "release": alert.release}
    values = {**{k: v for k, v in known.items() if v}, **dict(alert.tags), **dict(alert.event_tags)}
    return [(esc(key), truncate(esc(values[key]), TAG_VALUE_MAX)) for key in list(keys)[:TAGS_MAX] if values.get(key)]


def _latest_facts(alert: Alert, *, events: int | None = None) -> list[str]:
    """An alert's counts and whereabouts: "1,234 events · production · 2.4.1 · view event"."""
    count = max(alert.events or 0, events or 0)
    facts = [
        (EVENT if count == 1 else EVENTS).format(n=number(count)) if count else None,
        esc(alert.environment) if alert.environment else None,
        esc(alert.release) if alert.release else None,
        link(alert.event_link, REPEAT_EVENT) if alert.event_link else None,
    ]
    return [f for f in facts if f]


def _mute_menu(issue_id: str) -> Block:
    """The Mute menu: each option's value routes the click (the issue and the duration)."""
    options = [
        {"text": {"type": "plain_text", "text": label, "emoji": True}, "value": encode(issue=issue_id, d=duration)}
        for duration, label in MENU
    ]
    return {
        "type": "static_select",
        "action_id": Action.MUTE,
        "placeholder": {"type": "plain_text", "text": MUTE_MENU, "emoji": True},
        "options": options,
    }


def _unmute_button(mute: Mute) -> Block:
    # The mute's own target: a project's mute is ended by its slug, an issue's by its id.
    return button(UNMUTE, Action.UNMUTE, value=encode(ref=mute.label if mute.kind is MuteKind.PROJECT else mute.target))


def _metric_message(alert: Alert, *, mention: Sequence[str] = (), muted: Mute | None = None) -> Message:
    state = alert.status or "critical"
    emoji = METRIC_EMOJI.get(state, "📊")
    title = truncate(esc(alert.title), TITLE_MAX)
    blocks = [section(f"{emoji} *{link(alert.link, title) if alert.link else title}*")]
    if mention:
        blocks.append(context(MENTION.format(who=" ".join(mention))))
    if alert.description:
        blocks.append(section(esc(alert.description)))
    facts = [
        METRIC_STATE.get(state, esc(state)),
        ", ".join(esc(p) for p in alert.projects) if alert.projects else None,
        esc(alert.environment) if alert.environment else None,
        RULE.format(rule=esc(alert.rule)) if alert.rule else None,
    ]
    blocks.append(context(" · ".join(f for f in facts if f)))
    if muted is not None:
        blocks.append(context(mute_banner(muted)))
    if alert.link:
        blocks.append(actions(button(OPEN_IN_SENTRY, Action.OPEN, url=alert.link, value=encode(alert=alert.key))))
    return message(_pinging(mention, f"{emoji} {title}"), blocks)


def _ref(alert: Alert) -> str:
    label = esc(alert.short_id or alert.issue_id or "")
    return f"*{label}*" if label else ""


def _entry_ref(entry: DigestEntry) -> str:
    label = entry.short_id or "issue"
    if entry.link:
        return link(entry.link, label)
    return f"*{esc(entry.short_id)}*" if entry.short_id else ""


def _fallback(alert: Alert) -> str:
    level = f"[{esc(alert.level)}] " if alert.level else ""
    ref = f"{esc(alert.short_id)} " if alert.short_id else ""
    project = f" ({esc(alert.project)})" if alert.project else ""
    return f"{level}{ref}{esc(alert.title)}{project}"


def _date(ts: datetime | None) -> str:
    """A date Slack shows in the reader's own time zone, with UTC as the fallback text."""
    if ts is None:
        return NONE
    aware = ts if ts.tzinfo else ts.replace(tzinfo=UTC)
    return f"<!date^{int(aware.timestamp())}^{{date_short_pretty}} {{time}}|{utc(aware)}>"


def _who(actor: str) -> str:
    """A Slack user id (a click in Slack) becomes a mention; a Sentry name is escaped."""
    return f"<@{actor}>" if _SLACK_USER_ID.fullmatch(actor) else f"*{esc(actor)}*"
