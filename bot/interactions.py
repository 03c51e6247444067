"""Buttons, modal submissions and type-ahead, independent of the transport.

Slack's listeners and the console both call these, so a click does exactly what the matching
command does, with the same permission check: each interaction becomes a command line run through
the `Dispatcher`. Routing data travels in the button's `value` and the modal's `private_metadata`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from bot.charts import ChartSpec
from bot.commands.context import Ctx, Reply
from bot.commands.dispatch import Dispatcher
from bot.commands.lookup import assignable
from bot.commands.tickets import FORM, ORIGIN
from bot.errors import SentryBotError
from bot.views import modals
from bot.views.common import error_message, notice, with_share
from bot.views.routing import Action, Callback, decode
from bot.views.tickets import answered_fields, form_values

__all__ = ["ROW_COMMANDS", "Interactions", "OpenModal", "PostChart", "flatten_state"]

# What each option of a list row's menu runs (bot/views/issue_list.py), as the user would type it.
ROW_COMMANDS = {
    "open": "issue {issue}",
    "resolve": "resolve {issue}",
    "unresolve": "unresolve {issue}",
    "archive": "archive {issue}",
    "assign_me": "assign {issue} me",
}


@dataclass(frozen=True)
class OpenModal:
    """The interaction's answer is a modal to open (Slack needs the click's `trigger_id` for it)."""

    view: dict[str, Any]


@dataclass(frozen=True)
class PostChart:
    """The interaction's answer is a chart to post where the click happened (Slack uploads it into
    the channel or thread; the console, which shows no images, prints its alt text)."""

    spec: ChartSpec
    command: str  # the command whose numbers it shows, as typed (without the slash command)


Outcome = Reply | OpenModal | PostChart


def flatten_state(values: dict[str, dict[str, dict[str, Any]]]) -> dict[str, str]:
    """Slack's `view.state.values` as `{action_id: chosen value}` (text, radio or select alike)."""
    flat: dict[str, str] = {}
    for block in values.values():
        for action_id, element in block.items():
            option = element.get("selected_option")
            if option:
                flat[action_id] = str(option.get("value", ""))
            elif element.get("selected_options") is not None:
                # A multi-select or checkboxes: the chosen values, one a line (an option value has no newline).
                flat[action_id] = "\n".join(str(o.get("value", "")) for o in element["selected_options"])
            elif element.get("value") is not None:
                flat[action_id] = str(element["value"])
    return flat


NO_CHART = "There is nothing to chart for `{command}` now: Sentry has no numbers for it."


class Interactions:
    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher

    async def button(self, action_id: str, raw_value: str | None, ctx: Ctx) -> Outcome:
        """What a click on `action_id` (carrying `raw_value`) does."""
        value = decode(raw_value)
        issue = str(value.get("issue", ""))
        try:
            match action_id:
                case Action.RESOLVE:
                    return OpenModal(modals.resolve_modal(issue, short_id=value.get("short"), metadata=raw_value or ""))
                case Action.ARCHIVE:
                    return OpenModal(modals.archive_modal(issue, short_id=value.get("short"), metadata=raw_value or ""))
                case Action.ASSIGN:
                    return OpenModal(modals.assign_modal(issue, short_id=value.get("short"), metadata=raw_value or ""))
                case Action.LINK:
                    return OpenModal(modals.link_modal(issue, short_id=value.get("short"), metadata=raw_value or ""))
                case Action.UNRESOLVE:
                    return await self.dispatcher.run(f"unresolve {issue}", ctx)
                case Action.STATS:
                    return with_buttons(await self.dispatcher.run(f"issue stats {issue}", ctx), f"issue stats {issue}")
                case Action.MUTE:
                    # The Mute menu's option: the issue and the duration, as `/sentry mute` takes them.
                    return await self.dispatcher.run(f"mute {issue} {value.get('d', '')}", ctx)
                case Action.UNMUTE:
                    return await self.dispatcher.run(f"unmute {value.get('ref', '')}", ctx)
                case Action.SHARE:
                    reply = await self.dispatcher.run(str(value.get("cmd", "")), ctx)
                    return Reply(reply.message, in_channel=True)
                case Action.CHART:
                    # The numbers are fetched again, with the same permission check as the command.
                    command = str(value.get("cmd", ""))
                    reply = await self.dispatcher.run(command, ctx)
                    if reply.chart is not None:
                        return PostChart(reply.chart, command)
                    if not reply.shareable:  # the command failed: say why, as the command would
                        return reply
                    return Reply(error_message(NO_CHART.format(command=f"{self.dispatcher.command} {command}")))
                case Action.ROW:
                    return await self._row(value, ctx)
                case Action.MORE | Action.RETRY | Action.RUN:
                    cursor = value.get("cursor")
                    reply = await self.dispatcher.run(str(value.get("cmd", "")), ctx.but(cursor=cursor))
                    return Reply(reply.message, replace_original=True)
                case Action.CONFIRM:
                    text = self.dispatcher.check_confirmation(value, ctx.user_id)
                    reply = await self.dispatcher.run(text, ctx.but(confirmed=True))
                    return Reply(reply.message, replace_original=True)
                case Action.TICKET:
                    return await self.dispatcher.run(ticket_command(value), ctx.but(extra={**ctx.extra, ORIGIN: value}))
                case Action.ROOT_CAUSE:
                    return await self.dispatcher.run(f"fix {issue}", ctx)
                case Action.CANCEL:
                    if value.get("by") not in (None, ctx.user_id):
                        return Reply(error_message("Only the person who asked for this can cancel it."))
                    return Reply(notice("Cancelled: nothing was changed."), replace_original=True)
        except SentryBotError as exc:
            return Reply(error_message(exc.user_message()))
        return Reply(error_message("That button is no longer supported; run the command again."))

    async def _row(self, value: dict[str, Any], ctx: Ctx) -> Reply:
        """A choice in a list row's menu: the command it stands for, answered below the list."""
        issue = str(value.get("issue", ""))
        command = ROW_COMMANDS.get(str(value.get("do", "")))
        if command is None or not issue.isdigit():
            return Reply(error_message("That menu is no longer supported; run the list again."))
        reply = await self.dispatcher.run(command.format(issue=issue), ctx)
        return Reply(reply.message)  # the list stays; the card or the change comes as a new answer

    async def submit(self, callback_id: str, metadata: str, values: dict[str, str], ctx: Ctx) -> Reply:
        """A modal's submission, as the command it stands for."""
        issue = str(decode(metadata).get("issue", ""))
        match callback_id:
            case Callback.RESOLVE:
                flag = " --in-next-release" if values.get(modals.RESOLVE_ACTION) == modals.RESOLVE_NEXT_RELEASE else ""
                return await self.dispatcher.run(f"resolve {issue}{flag}", ctx)
            case Callback.ARCHIVE:
                return await self.dispatcher.run(f"archive {issue} {archive_option(values)}", ctx)
            case Callback.ASSIGN:
                target = values.get(modals.ASSIGN_ACTION) or "none"
                return await self.dispatcher.run(f"assign {issue} {target}", ctx)
            case Callback.LINK:
                url = values.get(modals.LINK_URL_ACTION, "").strip()
                identifier = values.get(modals.LINK_IDENTIFIER_ACTION, "").strip()
                quoted_identifier = f' "{identifier}"' if identifier else ""
                return await self.dispatcher.run(f'link {issue} "{url}"{quoted_identifier}', ctx)
            case Callback.TICKET:
                return await self.submit_ticket(metadata, values, ctx)
        return Reply(error_message("That form is no longer supported; run the command again."))

    async def submit_ticket(self, metadata: str, values: dict[str, str], ctx: Ctx) -> Reply:
        """The ticket form's answers, sent as `ticket create` (or `ticket link`) with them in `ctx.extra`."""
        meta = decode(metadata)
        issue, integration = str(meta.get("issue", "")), str(meta.get("integ", ""))
        if not issue or not integration:
            return Reply(error_message("This form is damaged; open it again from the issue."))
        answers = form_values(
            values,
            names=answered_fields(values),
            multiple=[str(n) for n in meta.get("multi") or []],
            booleans=[str(n) for n in meta.get("bools") or []],
        )
        command = "ticket link" if meta.get("kind") == "link" else "ticket create"
        extra = {**ctx.extra, FORM: answers, ORIGIN: meta}
        return await self.dispatcher.run(f"{command} {issue} {integration}", ctx.but(extra=extra))

    async def suggest(self, action_id: str, query: str, ctx: Ctx, *, metadata: str = "") -> list[dict[str, Any]]:
        """Options for an `external_select` (the assignee picker), filtered by what was typed.

        `metadata` is the modal's `private_metadata` (it names the issue): the picker then offers only
        those Sentry lets take that issue, the members of its project's teams and those teams.
        """
        if action_id != Action.ASSIGN:
            return []
        issue_id = str(decode(metadata).get("issue", "")) if metadata else ""
        if issue_id:
            who = await assignable(ctx, await ctx.sentry.get_issue(issue_id))
            return modals.assign_options(who.members, who.teams, query)
        members = await ctx.sentry.list_members(max_pages=10)
        teams = await ctx.sentry.list_teams(max_pages=10)
        return modals.assign_options(members.items, teams.items, query)


def with_buttons(reply: Reply, command: str) -> Reply:
    """A button's answer with the Share and "Post chart in channel" buttons a typed command gets."""
    if not reply.shareable:
        return reply
    blocks = with_share(reply.message.get("blocks", []), command, chart=reply.chart is not None)
    return replace(reply, message={**reply.message, "blocks": blocks}, shareable=False)


def ticket_command(value: dict[str, Any]) -> str:
    """The `ticket` command a Create ticket button stands for (its value: issue, integration, link)."""
    words = ["ticket", str(value.get("issue", ""))]
    if value.get("integ"):
        words.append(str(value["integ"]))
    if value.get("link"):
        words.append("--link")
    return " ".join(words)


def archive_option(values: dict[str, str]) -> str:
    """The archive command's option for the modal's radio choice (`forever`, `count:100`...)."""
    choice = values.get(modals.ARCHIVE_ACTION, "")
    if choice == "forever":
        return "--forever"
    if choice.startswith("count:"):
        return f"--count {choice.split(':', 1)[1]}"
    return "--until-escalating"
