"""The App Home tab as one person sees it (`bot.home.gather` collects what goes in it).

The Home tab takes 100 blocks (docs.slack.dev/reference/block-kit/blocks: "up to 100 blocks" in
modals and Home tabs), so the view spends them in order of what matters to the person: their
issues, then their channels' alerts and reports, then who they are to the bot, then (admins) its health.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from bot.commands.slash import slash
from bot.home import ASSIGNED_SHOWN, HomeState, Part
from bot.reports.models import Report
from bot.sentry.models import Issue
from bot.views.blocks import (
    LIMITS,
    Block,
    actions,
    button,
    context,
    divider,
    esc,
    fields_section,
    guard,
    header,
    section,
)
from bot.views.common import ago, row_blocks
from bot.views.issue import LEVEL_EMOJI, issue_line
from bot.views.mutes import mute_line
from bot.views.report import report_row
from bot.views.routing import Action, encode
from bot.views.subscriptions import describe_subscription

__all__ = ["home_view"]

View = dict[str, Any]

# Blocks kept back for the sections drawn after the channels (who you are, self-check, footer).
_TAIL_BLOCKS = 8
# Blocks the channels' scheduled reports may take at most (a header and rows).
_REPORT_BLOCKS = 20


def _issue_row(issue: Issue, now: datetime) -> Block:
    level = LEVEL_EMOJI.get(issue.level or "", "⚫")
    line = f"{level} {issue_line(issue)} · last seen {ago(issue.last_seen, now)}"
    if issue.permalink:
        return section(line, accessory=button("Open", Action.OPEN, url=issue.permalink))
    return section(line)


def _unlinked(state: HomeState) -> str:
    email = esc(state.who.email or "none visible to the bot")
    return (
        f"You are not linked to a Sentry member yet: your Slack email ({email}) matches no member of the "
        f"organization, so the bot cannot show your issues or act for you. Ask an organization owner or "
        f"manager to run `{slash()} identity set <@{state.user_id}> <your-sentry-email>`, or to invite your "
        "Slack email to Sentry. Then refresh this tab."
    )


def _assigned(state: HomeState, now: datetime) -> list[Block]:
    blocks: list[Block] = [header("Assigned to you")]
    part = state.assigned
    if part is None:
        return [*blocks, section(_unlinked(state))]
    if part.problem:
        return [*blocks, section(f"⚠️ {esc(part.problem)}")]
    if not part.items:
        return [*blocks, section("Nothing unresolved is assigned to you. 🎉")]
    blocks += [_issue_row(issue, now) for issue in part.items[:ASSIGNED_SHOWN]]
    if state.more_assigned or len(part.items) > ASSIGNED_SHOWN:
        blocks.append(context(f"More are assigned to you: `{slash()} mine` lists them all."))
    return blocks


def _channel_rows(state: HomeState) -> list[str]:
    """One row per channel: its subscriptions, then what is muted there."""
    lines: dict[str, list[str]] = defaultdict(list)
    for sub in state.subscriptions.items:
        lines[sub.channel_id].append(f"• {describe_subscription(sub)}")
    for mute in state.mutes.items:
        lines[mute.channel_id].append(f"• {mute_line(mute)}")
    return [f"<#{channel}>\n" + "\n".join(shown) for channel, shown in sorted(lines.items())]


def _channels(state: HomeState, room: int) -> list[Block]:
    blocks: list[Block] = [header("Alerts in your channels")]
    if not state.channels_known:
        blocks.append(context("Slack did not say which channels you are in, so none are shown here."))
    problems = [p.problem for p in (state.subscriptions, state.mutes) if p.problem]
    blocks += [section(f"⚠️ {esc(problem)}") for problem in problems]
    rows = _channel_rows(state)
    if not rows:
        hint = (
            f"None of your channels receives Sentry alerts. In a channel, `{slash()} subscribe <project>` starts them."
        )
        return [*blocks, section(hint)] if not problems else blocks
    return [*blocks, *row_blocks(rows, room=max(room - len(blocks), 1))]


def _reports(part: Part[Report], room: int) -> list[Block]:
    """The scheduled reports of the person's channels; nothing at all when there are none."""
    if part.problem:
        return [header("Reports in your channels"), section(f"⚠️ {esc(part.problem)}")]
    if not part.items or room < 2:
        return []
    return [header("Reports in your channels"), *row_blocks([report_row(r) for r in part.items], room=room - 1)]


def _identity(state: HomeState) -> list[Block]:
    who = state.who
    member = who.member
    fields = [
        ("Sentry member", esc(member.email or member.id) if member else "not linked"),
        ("Sentry role", esc(who.role or "—")),
        ("You may run", ", ".join(state.allows) or "nothing yet"),
        ("Bot admin", "yes" if who.bot_admin else "no"),
    ]
    return [header("Who you are to the bot"), fields_section(fields)]


def _doctor(part: Part[str]) -> list[Block]:
    blocks: list[Block] = [header("Bot health (admins)")]
    if part.problem:
        return [*blocks, section(f"⚠️ {esc(part.problem)}")]
    trouble = [line for line in part.items if not line.startswith("✅")]
    fine = len(part.items) - len(trouble)
    summary = f"✅ {fine} of {len(part.items)} checks fine." + (" Needs a look:" if trouble else "")
    return [*blocks, section("\n".join([summary, *trouble])), context(f"`{slash()} doctor` shows every check.")]


def home_view(state: HomeState, *, now: datetime) -> View:
    """The Home tab view for `state.user_id`, within Slack's limits for a Home tab."""
    top: list[Block] = [
        header("Sentry"),
        actions(button("Refresh", Action.HOME_REFRESH, value=encode(home=1)), block_id="home.top"),
    ]
    mine = _assigned(state, now)
    tail: list[Block] = [divider(), *_identity(state)]
    if state.doctor is not None:
        tail += [divider(), *_doctor(state.doctor)]
    stamp = int(now.timestamp())
    tail.append(context(f"Updated <!date^{stamp}^{{date_short_pretty}} {{time}}|{now:%Y-%m-%d %H:%M} UTC>"))
    room = LIMITS["modal_blocks"] - len(top) - len(mine) - 1 - max(len(tail), _TAIL_BLOCKS)
    # Reports take what the channels' alerts leave, and at most a fifth of the tab.
    channels = _channels(state, room - min(_REPORT_BLOCKS, len(state.reports.items) + 1))
    reports = _reports(state.reports, min(_REPORT_BLOCKS, room - len(channels)))
    blocks = [*top, *mine, divider(), *channels, *reports, *tail]
    return guard({"type": "home", "blocks": blocks}, modal=True)
