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
from bot.seer import SeerRuns
from bot.settings import Settings
from bot.store import Database
from bot.views.blocks import truncate
from bot.views.common import still_waiting, with_share
from bot.views.routing import Action, Callback, decode

__all__ = ["Console", "ConsoleDirectory", "Demo", "open_console", "render_message", "run_console"]

CONSOLE_USER = "UCONSOLE"
# The console polls Seer quickly: a person is watching the terminal (the bot's own delays: bot/seer).
CONSOLE_SEER_DELAYS = (1.0, 2.0, 3.0, 5.0, 10.0)
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
            elif accessory and accessory.get("type") == "overflow":
                # A menu's options become buttons of their own: each is one choice a click makes.
                options = [_option_button(accessory, option) for option in accessory.get("options") or []]
                screen.lines.append("  " + "  ".join(screen.add_button(option) for option in options))
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


def _option_button(menu: dict[str, Any], option: dict[str, Any]) -> Button:
    return Button(label=_element_text(option), action_id=str(menu.get("action_id", "")), value=option.get("value"))


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


def initial_values(view: dict[str, Any]) -> dict[str, str]:
    """A form's answers as it opens: each input's initial value or option(s), as Slack would submit them."""
    values: dict[str, str] = {}
    for block in view.get("blocks") or []:
        element = block.get("element") or {}
        action_id = element.get("action_id")
        if not action_id:
            continue
        if element.get("initial_option"):
            values[action_id] = str(element["initial_option"].get("value", ""))
        elif element.get("initial_options"):
            values[action_id] = "\n".join(str(o.get("value", "")) for o in element["initial_options"])
        elif element.get("initial_value") is not None:
            values[action_id] = str(element["initial_value"])
    return values


def render_form(view: dict[str, Any]) -> Screen:
    """A form modal (the ticket form): its fields with their values, then choices that submit it.

    The first choice submits the form as shown; each other one changes one select's choice. Text is
    not typed into a form here: `ticket create … field=value` is the console's way to set it.
    """
    screen = Screen()
    screen.lines.append(f"== {mrkdwn_to_text(_element_text({'text': view.get('title')}))} ==")
    initial = initial_values(view)
    submit = (view["callback_id"], view.get("private_metadata", ""), initial)
    for block in view.get("blocks") or []:
        if block.get("type") != "input":
            render_message({"blocks": [block]}, screen)
            continue
        element = block.get("element") or {}
        label = _element_text({"text": block.get("label")})
        single = element.get("initial_option")
        chosen = element.get("initial_options") or ([single] if single else [])
        if chosen:
            shown = ", ".join(_element_text(o) for o in chosen)
        else:
            shown = initial.get(str(element.get("action_id")), "").replace("\n", " ⏎ ")
        required = "" if block.get("optional") else " *"
        screen.lines.append(f"  {label}{required}: {truncate(shown, 200) or '—'}")
    label = _element_text({"text": view.get("submit")}) or "Submit"
    screen.lines.append("  " + screen.add_button(Button(label=f"{label} as shown", action_id="", submit=submit)))
    for block in view.get("blocks") or []:
        element = block.get("element") or {}
        if element.get("type") != "static_select":
            continue
        field_label = _element_text({"text": block.get("label")})
        for option in element.get("options") or []:
            if option == element.get("initial_option"):
                continue
            values = {**initial, str(element["action_id"]): str(option.get("value", ""))}
            choice = Button(
                label=f"{label} with {field_label}: {_element_text(option)}",
                action_id="",
                submit=(view["callback_id"], view.get("private_metadata", ""), values),
            )
            screen.lines.append("  " + screen.add_button(choice))
    return screen


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
        self._posted = 0

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
        await self.answer(reply, command_text=text)
        return True

    async def answer(self, reply: Reply, *, command_text: str = "") -> None:
        """A reply, or the modal it opens (the ticket form)."""
        if reply.modal is not None:
            await self.open_modal(reply.modal)
        else:
            self.show_reply(reply, command_text=command_text)

    async def post(self, channel: str, text: str, blocks: list[dict[str, Any]], thread_ts: str | None) -> str:
        """What the bot posts on its own (Seer's progress): shown as it comes, a thread reply indented."""
        lines = render_message({"text": text, "blocks": blocks}).lines
        prefix = "  ↳ " if thread_ts else ""
        self.out.write("\n".join(prefix + line for line in lines) + "\n\n")
        self.out.flush()
        self._posted += 1
        return f"{self._posted}.000000"

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
            await self.answer(await self.interactions.submit(callback, metadata, values, self.ctx()))
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
            await self.answer(outcome)

    async def open_modal(self, view: dict[str, Any]) -> None:
        if view.get("callback_id") == Callback.LINK:
            issue = decode(view.get("private_metadata")).get("issue", "<issue>")
            self.out.write(f"To link an external issue, type: /sentry link {issue} <url> [identifier]\n\n")
            return
        if view.get("callback_id") == Callback.TICKET:
            self.show(render_form(view))
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
        console = Console(services, dispatcher, out=out, directory=directory)
        # Seer's progress is printed as it comes; runs still followed at exit stop being followed.
        services.seer = SeerRuns(post=console.post, delays=CONSOLE_SEER_DELAYS)
        stack.push_async_callback(services.seer.close)
        yield console
