"""One path for every request: text → command → permission → confirmation → run → reply.

Slack's slash command, buttons, modals, the console and the tests all call `Dispatcher.run`.
Expected errors become an ephemeral answer saying what to type instead; anything else is logged with
its traceback and the user gets a generic answer with no exception text.

Every command has a deadline (`DEADLINE_SECONDS`): a slow or stalled Sentry ends in a clear "Sentry
did not answer" with a Retry button, never in silence. `answer_in_time` lets a transport show an
interim answer when the final one takes more than `INTERIM_SECONDS`.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shlex
import time
from collections.abc import Awaitable, Callable

from pydantic import ValidationError

from bot.commands import phrases
from bot.commands.auth import authorize
from bot.commands.context import Ctx, Reply
from bot.commands.registry import Args, Command, Level, Registry
from bot.commands.slash import DEFAULT, renamed, slash, using
from bot.errors import (
    DeadlineExceeded,
    InvalidInput,
    PermissionDenied,
    SentryBotError,
    SentryUnavailable,
    UsageError,
)
from bot.metrics import COMMAND_SECONDS, COMMANDS
from bot.sentry.client import shape_error
from bot.views import help as help_view
from bot.views.blocks import LIMITS
from bot.views.common import Message, error_message
from bot.views.confirm import confirmation
from bot.views.routing import encode
from bot.views.suggestion import phrase_suggestion

__all__ = [
    "CONFIRM_SECONDS",
    "DEADLINE_SECONDS",
    "INTERIM_SECONDS",
    "Dispatcher",
    "UnknownCommand",
    "answer_in_time",
    "normalize",
    "tokenize",
]

log = logging.getLogger("bot.commands")

CONFIRM_SECONDS = 300
# Slack shows nothing until an answer comes: after this long, say the bot is still waiting.
INTERIM_SECONDS = 3.0
# A command's whole run, Sentry calls and waits for a free connection included. Sentry's own API
# answers in well under a second; 15 s is a stalled endpoint, and the user should hear so.
DEADLINE_SECONDS = 15.0

SHORT_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*-[A-Za-z0-9]+$")
EVENT_ID = re.compile(r"^[0-9a-fA-F]{32}$")
# An event id as Sentry also shows it: a UUID with its dashes.
DASHED_EVENT_ID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# The shape of a link to an issue or one of its events, as Sentry's own unfurler reads them
# (`refs.sentry_link` checks the host); a tab, query or fragment may follow.
ISSUE_URL = re.compile(r"^https?://[^/\s]+/(?:organizations/[^/\s]+/)?issues/\d+(?:/events/\w+)?(?:[/?#]\S*)?$")
# A short ID typed without its dash (`WEB12A`): the project part, then the issue's suffix.
_UNDASHED_SHORT_ID = re.compile(r"^([A-Za-z][A-Za-z_]*)([0-9][A-Za-z0-9]*)$")

_OUTCOMES: dict[type[SentryBotError], str] = {UsageError: "usage", PermissionDenied: "denied"}

GENERIC_FAILURE = "Something went wrong on the bot's side; it has been logged. Please try again."


class UnknownCommand(UsageError):
    """The words name no command; the dispatcher may still see what they ask for (`phrases`)."""


def normalize(text: str) -> str:
    """Smart quotes → plain ones, no-break spaces → spaces, so quoting works as people expect.

    Slack's own encoding (`&amp;`, `<mailto:a@b|a@b>`, `<https://x|x>`) is undone once where the
    text enters (`bot.slack.text.from_slack`), not here: this runs again on every re-run of a
    command (Share, More, Confirm) and on modal values, which arrive as typed.
    """
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2018", "'").replace("\u2019", "'")
    return text.replace("\u00a0", " ").strip()


def tokenize(text: str) -> list[str]:
    """Words, honouring quotes; an unbalanced quote falls back to plain splitting."""
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


async def _prompt(cmd: Command, ctx: Ctx, args: Args) -> str:
    """What a destructive command asks to confirm, naming its target when Sentry can say what it is."""
    assert cmd.confirm is not None
    if cmd.describe is None:
        return cmd.confirm(args)
    try:
        return await cmd.describe(ctx, args)
    except SentryUnavailable:
        # Naming the target needs Sentry; the id-based prompt still lets the requester decide.
        return cmd.confirm(args)


async def answer_in_time(
    work: Awaitable[Reply], *, interim: Callable[[], Awaitable[object]], after: float | None = None
) -> tuple[Reply, bool]:
    """`work`'s reply, and whether `interim()` was called because the reply took longer than `after` s
    (default `INTERIM_SECONDS`). A failed interim answer is logged and does not stop the final one.
    """
    task = asyncio.ensure_future(work)
    try:
        done, _ = await asyncio.wait({task}, timeout=INTERIM_SECONDS if after is None else after)
        if done:
            return task.result(), False
        try:
            await interim()
        except Exception:
            log.warning("command.interim_failed", exc_info=True)
        return await task, True
    finally:
        task.cancel()  # only when this wait itself is cancelled: a finished task ignores it


class Dispatcher:
    def __init__(
        self,
        registry: Registry,
        *,
        clock: Callable[[], float] = time.time,
        command: str = DEFAULT,
        deadline: float | None = None,
    ) -> None:
        self.registry = registry
        self.command = command  # SLACK_COMMAND: what usage lines and help call the command
        self._clock = clock
        self.deadline = DEADLINE_SECONDS if deadline is None else deadline
        # Help is generated from the registry, so it changes only when a command is declared; building
        # the overview took ~110 µs, a fifth of the bot's CPU per `/sentry help` (bench/README.md).
        self._help_cache: dict[str | None, Reply] = {}
        self._help_for = 0  # the number of commands the cached help was built from

    def resolve(self, tokens: list[str]) -> tuple[Command, list[str]]:
        """The command the words name; a lone short ID, event ID or issue URL is a lookup."""
        if len(tokens) == 1:
            lone = tokens[0]
            if EVENT_ID.match(lone) or DASHED_EVENT_ID.match(lone):
                return self._builtin("event"), tokens
            if (
                lone.isdigit()
                or ISSUE_URL.match(lone)
                or (SHORT_ID.match(lone) and self.registry.match(tokens) is None)
            ):
                return self._builtin("issue"), tokens
        found = self.registry.match(tokens)
        if found is None:
            group = self.registry.group(tokens[:1])
            if group:
                word = tokens[0].lower()
                names = ", ".join(f"`{c.name}`" for c in group)
                raise UsageError(
                    f"`{word}` starts several commands: {names}.",
                    usage=f"{slash()} help {word}",
                    example=group[0].example,
                )
            suggestions = self.registry.suggest(tokens)
            if len(tokens) == 1 and (undashed := _UNDASHED_SHORT_ID.match(tokens[0])):
                suggestions = [f"{undashed.group(1).upper()}-{undashed.group(2).upper()}", *suggestions]
            hint = f" Did you mean {' or '.join(f'`{slash()} {s}`' for s in suggestions)}?" if suggestions else ""
            raise UnknownCommand(
                f"`{' '.join(tokens)[:60]}` is not a command I know.{hint}",
                usage=f"{slash()} help",
                example=f"{slash()} WEB-12A",
            )
        return found

    def _builtin(self, name: str) -> Command:
        cmd = self.registry.find([name])
        assert cmd is not None, f"the {name} command is not registered"
        return cmd

    async def run(self, text: str, ctx: Ctx) -> Reply:
        """Answer `/sentry <text>` for `ctx.user_id`. Never raises."""
        with using(self.command):
            return await self._run(text, ctx)

    async def _run(self, text: str, ctx: Ctx) -> Reply:
        text = normalize(text)
        tokens = tokenize(text)
        if not tokens or tokens[0].lower() in ("help", "-h", "--help", "?"):
            return self._help(tokens[1:])
        started = time.perf_counter()
        name = "unknown"
        outcome = "ok"
        cmd: Command | None = None
        try:
            async with asyncio.timeout(self.deadline):
                try:
                    cmd, rest = self.resolve(tokens)
                except UnknownCommand:
                    suggested = await self._phrased(text, ctx)
                    if suggested is None:
                        raise
                    outcome = "suggested"
                    return suggested
                name = cmd.name
                args = cmd.parse(rest)
                await authorize(cmd, ctx)
                if cmd.level is Level.DESTRUCTIVE and not ctx.confirmed:
                    assert cmd.confirm is not None
                    value = encode(cmd=text, by=ctx.user_id, exp=int(self._clock()) + CONFIRM_SECONDS)
                    if len(value) > LIMITS["value"]:
                        # Slack refuses a button value over 2,000 characters, and a cut one is not JSON.
                        raise cmd.usage_error(
                            f"`{cmd.name}` is too long to confirm: the command is {len(text):,} characters, "
                            f"and at most {LIMITS['value'] - len(value) + len(text):,} fit in a Confirm button. "
                            "Shorten it (fewer or shorter values) and run it again."
                        )
                    outcome = "confirm"
                    return Reply(confirmation(await _prompt(cmd, ctx, args), value=value))
                reply = await cmd.run(ctx.but(command_text=text), args)
        except SentryBotError as exc:
            if isinstance(exc, UsageError):
                # Usage lines written as text elsewhere say /sentry; say the configured command.
                exc.usage, exc.example = renamed(exc.usage), renamed(exc.example)
            outcome = _OUTCOMES.get(type(exc), "sentry_error")
            if outcome == "sentry_error":
                log.info("command.failed", extra={"command": name, "error": type(exc).__name__})
            reply = self._error_reply(exc, text, ctx)
        except ValidationError as exc:
            # A write's echo of the wrong shape (reads are mapped in the client, by operation).
            outcome = "sentry_error"
            reply = self._error_reply(shape_error(f"the {name} command", exc), text, ctx)
        except TimeoutError:
            outcome = "timeout"
            reply = self._timed_out(cmd, text, ctx)
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is None or current.cancelling():
                raise
            # Not this request's cancellation: another request's deadline cancelled the Sentry read
            # both were waiting on (the read cache shares one call between identical reads).
            outcome = "timeout"
            reply = self._timed_out(cmd, text, ctx)
        except Exception:
            outcome = "crash"
            log.exception("command.crashed", extra={"command": name})
            reply = Reply(error_message(GENERIC_FAILURE))
        finally:
            elapsed = time.perf_counter() - started
            COMMANDS.labels(name, outcome).inc()
            COMMAND_SECONDS.labels(name).observe(elapsed)
            # The command's name only: its text may carry an email, a URL or a secret (`forwarder add`).
            log.info(
                "command",
                extra={"command": name, "outcome": outcome, "ms": round(elapsed * 1000, 1), "user": ctx.user_id},
            )
        if cmd is not None and cmd.level is not Level.READ and outcome != "usage":
            await self._audit(ctx, cmd, text, outcome)
        return reply

    async def _phrased(self, text: str, ctx: Ctx) -> Reply | None:
        """Plain English answered with the command that does it, offered as a button to run.

        The project list (cached) lets `in web` name a project; without Sentry the grammar still
        reads the rest. Nothing runs here: the button runs the command, permission-checked then.
        """
        try:
            projects = [p.slug for p in await ctx.sentry.list_projects(max_pages=10)]
        except SentryBotError:
            projects = []
        command = phrases.suggest(text, projects=projects, registry=self.registry)
        if command is None:
            return None
        return Reply(phrase_suggestion(text, command=command, shown=f"{slash()} {command}"))

    def _error_reply(self, exc: SentryBotError, text: str, ctx: Ctx) -> Reply:
        """The error's own words; a Retry button (the same command, page and all) when it may pass."""
        retry = encode(cmd=text, cursor=ctx.cursor) if exc.retryable else None
        fields = exc.fields if isinstance(exc, InvalidInput) and exc.fields else None
        return Reply(error_message(exc.user_message(), retry=retry), field_errors=fields)

    def _timed_out(self, cmd: Command | None, text: str, ctx: Ctx) -> Reply:
        log.info("command.timed_out", extra={"command": cmd.name if cmd else "unknown", "seconds": self.deadline})
        writes = cmd is not None and cmd.level is not Level.READ
        return self._error_reply(DeadlineExceeded(self.deadline, may_have_changed=writes), text, ctx)

    async def _audit(self, ctx: Ctx, cmd: Command, text: str, outcome: str) -> None:
        audit = ctx.services.audit
        if audit is None or outcome == "confirm":
            return
        try:
            await audit.record(ctx=ctx, command=cmd, text=text, result=outcome)
        except Exception:
            log.exception("audit.failed", extra={"command": cmd.name})

    def _help(self, topic: list[str]) -> Reply:
        words = [w.lower() for w in topic]
        if words == ["help"]:
            return self._generated_help("help", help_view.help_help)
        found = self.registry.match(words) if words else None
        if found is not None and not found[1]:
            return self._command_help(found[0])
        group = self.registry.group(words)
        if group:
            topic_text = " ".join(words)
            return self._generated_help(topic_text, lambda: help_view.group_help(topic_text, group))
        if found is not None:  # `help member foo`: the command its first words name
            return self._command_help(found[0])
        if words:
            suggestions = self.registry.suggest(words)
            hint = f" Did you mean {', '.join(f'`{s}`' for s in suggestions)}?" if suggestions else ""
            missing = " ".join(topic)[:60]
            return Reply(error_message(f"There is no `{missing}` command.{hint} Try `{slash()} help`."))
        return self._generated_help(None, lambda: help_view.overview(self.registry))

    def _command_help(self, cmd: Command) -> Reply:
        related = [c for c in self.registry.group(cmd.words) if c is not cmd]
        return self._generated_help(cmd.name, lambda: help_view.command_help(cmd, related))

    def _generated_help(self, key: str | None, build: Callable[[], Message]) -> Reply:
        """The overview (`key` None) or one topic's help, built once per state of the registry.

        The cached message is shared between answers: like every Reply, it is read, never changed.
        """
        if self._help_for != len(self.registry.commands):
            self._help_cache.clear()
            self._help_for = len(self.registry.commands)
        reply = self._help_cache.get(key)
        if reply is None:
            reply = self._help_cache[key] = Reply(build())
        return reply

    def check_confirmation(self, value: dict[str, object], user_id: str) -> str:
        """The command text a Confirm click stands for, if `user_id` may confirm it now."""
        if not value:  # `decode` gives {} for a value that is not JSON
            raise UsageError("This confirmation is damaged. Run the command again.")
        if value.get("by") != user_id:
            raise PermissionDenied("Only the person who asked for this can confirm it.")
        expires = value.get("exp")
        if not isinstance(expires, int) or expires < self._clock():
            raise UsageError("This confirmation has expired (after 5 minutes). Run the command again.")
        text = value.get("cmd")
        if not isinstance(text, str) or not text:
            raise UsageError("This confirmation is damaged. Run the command again.")
        return text
