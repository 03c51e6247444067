"""`sentry-bot console`: a terminal chat with the bot.

Type `/sentry ...` and read the answer as text; buttons are numbered, and `click N` presses one
through the same `Interactions` that Slack's listeners call. With `--demo` the Sentry stand-in runs
in-process with its sample data. Piped input prints the answers and exits:

    echo '/sentry WEB-1' | sentry-bot console --demo
"""

from __future__ import annotations

import asyncio
import html
import re
import sys
import tempfile
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from pydantic import SecretStr

from bot.alerts.subscriptions import SubscriptionService
from bot.audit import AuditLog
from bot.commands.context import Ctx, Reply, Services
from bot.commands.dispatch import Dispatcher, answer_in_time
from bot.identity_store import StoredOverrides
from bot.interactions import Interactions, OpenModal, PostChart
from bot.runtime import open_services
from bot.settings import Settings
from bot.store import Database
from bot.views.common import still_waiting, with_share
from bot.views.routing import Action, Callback, decode

__all__ = ["Console", "ConsoleDirectory", "Demo", "open_console", "render_message", "run_console"]

CONSOLE_USER = "UCONSOLE"
PROMPT = "you> "
GREETING = "sentry-bot console: type `{command} help`, `click N` to press a button, `quit` to leave."

# Slack's date formatting (`<!date^1700000000^{time}|14:00 UTC>`): the terminal shows the fallback.
_DATE = re.compile(r"<!date\^[^<>|]*\|([^<>]*)>")
_LINK = re.compile(r"<([^<>|]+)\|([^<>]+)>")
_BARE_LINK = re.compile(r"<((?:https?|mailto):[^<>|]+)>")
_MENTION = re.compile(r"<@([A-Z0-9]+)>")
# `@alice` typed as a word of its own (not the `@` inside an email address).
_TYPED_MENTION = re.compile(r"(?<!\S)@([A-Za-z0-9][A-Za-z0-9._-]*)")


def console_user_id(email: str) -> str:
    """The console's Slack-like user id for a demo member: `alice@acme.example` → `UALICE`."""
    return "U" + re.sub(r"[^A-Z0-9]", "", email.partition("@")[0].upper())


class ConsoleDirectory:
    """The console's stand-in for Slack's user directory.

    The console has no Slack, so `@alice` typed there means the console user for a demo member
    (`UALICE`, email alice@acme.example); without `--demo` it knows nobody.
    """

    def __init__(self, emails: Mapping[str, str] | None = None) -> None:
        self.emails = dict(emails or {})

    @classmethod
    def of_members(cls, emails: list[str]) -> ConsoleDirectory:
        return cls({console_user_id(e): e for e in emails})

    async def email_of(self, user_id: str) -> str | None:
        return self.emails.get(user_id)

    def mentions(self, text: str) -> str:
        """`@alice` as Slack sends a typed mention (`<@UALICE>`), for the users this directory knows."""

        def mention(match: re.Match[str]) -> str:
            user_id = console_user_id(match.group(1))
            return f"<@{user_id}>" if user_id in self.emails else match.group(0)

        return _TYPED_MENTION.sub(mention, text)


def mrkdwn_to_text(text: str) -> str:
    """Slack mrkdwn as a terminal shows it: links as `label (url)`, entities decoded."""
    text = _DATE.sub(r"\1", text)
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})" if m.group(1) != m.group(2) else m.group(1), text)
    text = _BARE_LINK.sub(r"\1", text)
    text = _MENTION.sub(r"@\1", text)
    return html.unescape(text)


@dataclass
class Button:
    label: str
    action_id: str
    value: str | None = None
    url: str | None = None
    submit: tuple[str, str, dict[str, str]] | None = None  # a modal choice: callback, metadata, values


@dataclass
class Screen:
    lines: list[str] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)

    def add_button(self, button: Button) -> str:
        self.buttons.append(button)
        return f"[{len(self.buttons)}] {button.label}"


def _element_text(element: dict[str, Any]) -> str:
    text = element.get("text")
    if isinstance(text, dict):
        return str(text.get("text", ""))
    return str(text or "")


def render_message(message: dict[str, Any], screen: Screen | None = None) -> Screen:
    """Block Kit as readable text: headers, sections, fields, context, and numbered buttons."""
    screen = screen or Screen()
    for block in message.get("blocks") or []:
        kind = block.get("type")
        if kind == "header":
            screen.lines.append(f"== {mrkdwn_to_text(_element_text(block))} ==")
        elif kind == "section":
            if block.get("text"):
                screen.lines.append(mrkdwn_to_text(_element_text(block)))
            for f in block.get("fields") or []:
                label, _, value = mrkdwn_to_text(f.get("text", "")).partition("\n")
                screen.lines.append(f"  {label.strip('*')}: {value}")
            accessory = block.get("accessory")
            if accessory and accessory.get("type") == "button":
                screen.lines.append("  " + screen.add_button(_button(accessory)))
        elif kind == "context":
            screen.lines.append("  " + " · ".join(mrkdwn_to_text(_element_text(e)) for e in block.get("elements", [])))
        elif kind == "divider":
            screen.lines.append("-" * 40)
        elif kind == "actions":
            labels = [screen.add_button(_button(e)) for e in block.get("elements", []) if e.get("type") == "button"]
            if labels:
                screen.lines.append("  " + "  ".join(labels))
    if not message.get("blocks") and message.get("text"):
        screen.lines.append(mrkdwn_to_text(str(message["text"])))
    return screen


def _button(element: dict[str, Any]) -> Button:
    return Button(
        label=_element_text(element),
        action_id=str(element.get("action_id", "")),
        value=element.get("value"),
        url=element.get("url"),
    )


def render_modal(view: dict[str, Any], choices: list[tuple[str, dict[str, str]]]) -> Screen:
    """A modal as a list of numbered choices; clicking one submits the modal with it."""
    screen = Screen()
    screen.lines.append(f"== {mrkdwn_to_text(_element_text({'text': view.get('title')}))} ==")
    for label, values in choices:
        button = Button(
            label=label, action_id="", submit=(view["callback_id"], view.get("private_metadata", ""), values)
        )
        screen.lines.append("  " + screen.add_button(button))
    return screen


def modal_choices(view: dict[str, Any], suggestions: list[dict[str, Any]]) -> list[tuple[str, dict[str, str]]]:
    """Every choice a modal offers: its radio/select options, or the picker's suggestions."""
    choices: list[tuple[str, dict[str, str]]] = []
    for block in view.get("blocks") or []:
        element = block.get("element") or {}
        action_id = element.get("action_id")
        if not action_id:
            continue
        options = element.get("options") or (suggestions if element.get("type") == "external_select" else [])
        for option in options:
            choices.append((_element_text(option), {action_id: str(option.get("value", ""))}))
    return choices


class Console:
    def __init__(
        self,
        services: Services,
        dispatcher: Dispatcher,
        *,
        out: TextIO = sys.stdout,
        directory: ConsoleDirectory | None = None,
    ) -> None:
        self.services = services
        self.dispatcher = dispatcher
        self.interactions = Interactions(dispatcher)
        self.out = out
        self.directory = directory or ConsoleDirectory()
        self.screen = Screen()

    def ctx(self) -> Ctx:
        return Ctx(services=self.services, user_id=CONSOLE_USER, channel_id="CCONSOLE", now=datetime.now(UTC))

    def show(self, screen: Screen) -> None:
        self.screen = screen
        self.out.write("\n".join(screen.lines) + "\n\n")
        self.out.flush()

    async def handle(self, line: str) -> bool:
        """Answer one line; False when the user wants to leave."""
        line = line.strip()
        if not line:
            return True
        if line in ("quit", "exit", ":q"):
            return False
        if line.startswith("click"):
            await self.click(line.removeprefix("click").strip())
            return True
        command = self.dispatcher.command
        text = line.removeprefix(command).strip() if line.split(" ", 1)[0] == command else line
        text = self.directory.mentions(text)
        reply, _ = await answer_in_time(self.dispatcher.run(text, self.ctx()), interim=self.still_waiting)
        self.show_reply(reply, command_text=text)
        return True

    async def still_waiting(self) -> None:
        self.show(render_message(still_waiting()))

    def show_reply(self, reply: Reply, *, command_text: str = "") -> None:
        message = reply.message
        if reply.shareable and command_text:
            chart = reply.chart is not None and not reply.in_channel
            message = {**message, "blocks": with_share(message.get("blocks", []), command_text, chart=chart)}
        screen = render_message(message)
        if reply.in_channel:
            screen.lines.insert(0, "(shared in the channel)")
        self.show(screen)

    async def click(self, which: str) -> None:
        if not which.isdigit() or not 1 <= int(which) <= len(self.screen.buttons):
            count = len(self.screen.buttons)
            hint = f"a number from 1 to {count}" if count else "nothing: the last answer had no buttons"
            self.out.write(f"Type `click N` where N is {hint}.\n\n")
            return
        button = self.screen.buttons[int(which) - 1]
        if button.submit is not None:
            callback, metadata, values = button.submit
            self.show_reply(await self.interactions.submit(callback, metadata, values, self.ctx()))
            return
        if button.url and button.action_id in ("", Action.OPEN):
            self.out.write(f"Open in a browser: {button.url}\n\n")
            return
        outcome = await self.interactions.button(button.action_id, button.value, self.ctx())
        if isinstance(outcome, OpenModal):
            await self.open_modal(outcome.view)
        elif isinstance(outcome, PostChart):
            # The terminal shows no image: the chart's words stand for it (nothing is drawn).
            self.out.write(f"(chart posted in the channel)\n{outcome.spec.alt}\n\n")
        else:
            self.show_reply(outcome)

    async def open_modal(self, view: dict[str, Any]) -> None:
        if view.get("callback_id") == Callback.LINK:
            issue = decode(view.get("private_metadata")).get("issue", "<issue>")
            self.out.write(f"To link an external issue, type: /sentry link {issue} <url> [identifier]\n\n")
            return
        suggestions: list[dict[str, Any]] = []
        if view.get("callback_id") == Callback.ASSIGN:
            metadata = str(view.get("private_metadata") or "")
            suggestions = await self.interactions.suggest(Action.ASSIGN, "", self.ctx(), metadata=metadata)
        self.show(render_modal(view, modal_choices(view, suggestions)))


async def run_console(console: Console, stdin: TextIO = sys.stdin) -> None:
    interactive = stdin.isatty()
    if interactive:
        console.out.write(GREETING.format(command=console.dispatcher.command) + "\n\n")
    loop = asyncio.get_running_loop()
    while True:
        if interactive:
            console.out.write(PROMPT)
            console.out.flush()
        line = await loop.run_in_executor(None, stdin.readline)
        if not line:
            break
        if interactive is False and line.strip():
            console.out.write(f"{PROMPT}{line.strip()}\n")
        if not await console.handle(line):
            break


@dataclass(frozen=True)
class Demo:
    """The Sentry stand-in the demo runs against: settings pointing at it, and its members."""

    settings: Settings
    owner_email: str
    member_emails: list[str]


@asynccontextmanager
async def demo_settings(settings: Settings) -> AsyncIterator[Demo]:
    """Settings pointing at the in-process Sentry stand-in, and the email of its first owner,
    whom the console user acts as."""
    from bot.sandbox import run_sandbox, seed_state

    state = seed_state()
    async with run_sandbox(state, host="127.0.0.1", port=0) as url:
        members = list(state.data.members.values())
        owner = next(m for m in members if m.org_role == "owner")
        demo = settings.model_copy(
            update={
                "sentry_url": url,
                "sentry_auth_token": SecretStr("demo-token"),
                "sentry_org": state.data.organization.slug,
            }
        )
        yield Demo(demo, owner.email, [m.email for m in members if m.email])


@asynccontextmanager
async def demo_store() -> AsyncIterator[Database]:
    """A throw-away store for the demo, so subscriptions, the audit log and identity links work:
    an SQLite file in a temporary directory, deleted at exit."""
    with tempfile.TemporaryDirectory(prefix="sentry-bot-demo-") as folder:
        async with Database.connect(f"sqlite:///{Path(folder) / 'demo.db'}") as db:
            yield db


@asynccontextmanager
async def open_console(
    settings: Settings, *, demo: bool, email: str | None = None, out: TextIO = sys.stdout
) -> AsyncIterator[Console]:
    """The console, with `--demo` against the Sentry stand-in and a throw-away store.

    Without `--demo` it runs against the configured Sentry and, as before, without a store.

    Args:
        settings: the configuration; with `demo`, its Sentry settings are replaced by the stand-in's.
        demo: run against the built-in Sentry stand-in with sample data.
        email: the Sentry member the console user acts as (`--as`); the demo's owner by default.
        out: where answers are written.
    """
    async with AsyncExitStack() as stack:
        directory = ConsoleDirectory()
        db: Database | None = None
        if demo:
            found = await stack.enter_async_context(demo_settings(settings))
            settings, email = found.settings, email or found.owner_email
            directory = ConsoleDirectory.of_members(found.member_emails)
            db = await stack.enter_async_context(demo_store())
        services, dispatcher = await stack.enter_async_context(open_services(settings, directory=directory))
        if db is not None:
            services.store = db
            services.identity.overrides = await StoredOverrides.load(db)
            services.audit = AuditLog(db)
            services.subscriptions = SubscriptionService(db, settings=settings, sentry=services.sentry)
        if email:
            await services.identity.pin(CONSOLE_USER, email)
        yield Console(services, dispatcher, out=out, directory=directory)
