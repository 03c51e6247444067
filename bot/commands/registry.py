"""The command registry: every `/sentry` command declared once, with its grammar, help and level.

    @registry.command(
        "member add", arg("email"), arg("role", choices=ROLES), opt("--teams", convert=csv),
        summary="Invite someone to the organization", level=Level.ADMIN,
        examples=["member add bob@acme.example member --teams backend"],
    )
    async def member_add(ctx: Ctx, args: Args) -> Reply: ...

Help, usage lines, "did you mean" and the permission check are all derived from these declarations:
there is no second table to keep in sync. Matching takes the longest run of command words
(`member add` beats `member`); a word that starts several commands (`scim`) names their group.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from bot.commands.slash import slash
from bot.errors import UsageError

if TYPE_CHECKING:
    from bot.commands.context import Ctx, Reply

__all__ = ["Args", "Command", "Level", "Param", "Registry", "arg", "flag", "opt", "registry"]


# Positional parameters with these names go into a Sentry API path as one segment, so they must be
# a slug (`web`, `frontend`), a short ID (`WEB-12A`), a numeric or hex id, or a tag key
# (`sentry:release`): Sentry's slugs are letters, digits, `-` and `_`, and tag keys add `.` and `:`.
# Anything else (`../x`, `a?b`) is a usage error naming the parameter, never a percent-encoded path.
IDENTIFIER_PARAMS = frozenset({"project", "team", "id", "hook_id", "link_id", "event_id", "key", "issue"})
_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}")


class Level(StrEnum):
    """What a command may change, which decides who may run it."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"
    DESTRUCTIVE = "destructive"


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # "arg" | "opt" | "flag"
    required: bool = True
    choices: tuple[str, ...] = ()
    rest: bool = False
    convert: Callable[[str], Any] | None = None
    metavar: str | None = None
    default: Any = None
    identifier: bool = False

    @property
    def key(self) -> str:
        return self.name.lstrip("-").replace("-", "_")

    @property
    def shown(self) -> str:
        """The parameter as a message names it: `--since`, `<project>`."""
        return f"`{self.name}`" if self.kind != "arg" else f"<{self.metavar or self.name}>"

    def usage(self) -> str:
        shown = self.metavar or ("|".join(self.choices) if self.choices else self.name.lstrip("-"))
        if self.kind == "flag":
            return f"[{self.name}]"
        if self.kind == "opt":
            return f"[{self.name} {shown}]"
        text = f"<{shown}>" + ("..." if self.rest else "")
        return text if self.required else f"[{text}]"


def arg(
    name: str,
    *,
    optional: bool = False,
    choices: Sequence[str] = (),
    rest: bool = False,
    convert: Callable[[str], Any] | None = None,
    metavar: str | None = None,
) -> Param:
    """A positional argument; `rest=True` takes every remaining word.

    An argument named in `IDENTIFIER_PARAMS` (`project`, `id`...) must look like a Sentry identifier.
    """
    identifier = name.replace("-", "_") in IDENTIFIER_PARAMS and not choices
    return Param(name, "arg", not optional, tuple(choices), rest, convert, metavar, identifier=identifier)


def opt(
    name: str,
    *,
    choices: Sequence[str] = (),
    convert: Callable[[str], Any] | None = None,
    metavar: str | None = None,
    default: Any = None,
) -> Param:
    """An option written `--name value` (or `--name=value`)."""
    return Param(name, "opt", False, tuple(choices), False, convert, metavar, default)


def flag(name: str) -> Param:
    """A switch written `--name`."""
    return Param(name, "flag", False, default=False)


class Args(dict[str, Any]):
    """Parsed arguments, readable as attributes: `args.email`."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


Handler = Callable[["Ctx", Args], Awaitable["Reply"]]


@dataclass(frozen=True)
class Command:
    words: tuple[str, ...]
    params: tuple[Param, ...]
    summary: str
    level: Level
    examples: tuple[str, ...]
    run: Handler
    aliases: tuple[tuple[str, ...], ...] = ()
    confirm: Callable[[Args], str] | None = None
    family: str = "general"
    hidden: bool = False
    anyone: bool = False  # runs for every Slack user, linked or not (`whoami` is how they find out)
    # Looks up what a destructive command acts on, so its confirmation names it (not a bare id).
    describe: Callable[[Ctx, Args], Awaitable[str]] | None = None

    @property
    def name(self) -> str:
        return " ".join(self.words)

    @property
    def usage(self) -> str:
        return " ".join([slash(), self.name, *(p.usage() for p in self.params)])

    @property
    def example(self) -> str:
        return f"{slash()} {self.examples[0]}" if self.examples else self.usage

    def parse(self, tokens: Sequence[str]) -> Args:
        """Bind `tokens` (the words after the command's own) to its parameters."""
        options = {p.name: p for p in self.params if p.kind in ("opt", "flag")}
        positionals = [p for p in self.params if p.kind == "arg"]
        values = Args({p.key: p.default for p in self.params})
        free: list[str] = []
        it = iter(tokens)
        for token in it:
            if token.startswith("--") and len(token) > 2:
                name, eq, inline = token.partition("=")
                param = options.get(name)
                if param is None:
                    known = ", ".join(options) or "none"
                    raise self.usage_error(f"`{name}` is not an option of `{self.name}` (options: {known}).")
                if param.kind == "flag":
                    values[param.key] = True
                    continue
                raw = inline if eq else next(it, None)
                if raw is None:
                    raise self.usage_error(f"`{name}` needs a value.")
                values[param.key] = self._convert(param, raw)
            else:
                free.append(token)
        for param in positionals:
            if param.rest:
                taken, free = free, []
                if not taken and param.required:
                    raise self.usage_error(f"Missing <{param.metavar or param.name}>.")
                values[param.key] = [self._convert(param, t) for t in taken]
                continue
            if not free:
                if param.required:
                    raise self.usage_error(f"Missing <{param.metavar or param.name}>.")
                continue
            values[param.key] = self._convert(param, free.pop(0))
        if free:
            raise self.usage_error(f"Unexpected `{' '.join(free)[:80]}`.")
        return values

    def _convert(self, param: Param, raw: str) -> Any:
        if param.choices and raw.lower() not in param.choices:
            raise self.usage_error(f"`{raw[:40]}` is not one of: {', '.join(param.choices)}.")
        value: Any = raw.lower() if param.choices else raw
        if param.identifier and not _IDENTIFIER.fullmatch(raw) and not _is_url(param, raw):
            raise self.usage_error(
                f"`{raw[:40]}` cannot be {param.shown}: give a slug, short ID or id "
                "(letters, digits, `-`, `_`, `.` or `:`)."
            )
        if param.convert is not None:
            try:
                value = param.convert(value)
            except (ValueError, TypeError, ArithmeticError) as exc:
                # ArithmeticError: `int(float("1e400"))` is an OverflowError, not a ValueError.
                raise self.usage_error(f"Bad {param.shown}: {exc}") from None
        return value

    def usage_error(self, reason: str) -> UsageError:
        return UsageError(reason, usage=self.usage, example=self.example)


def _is_url(param: Param, raw: str) -> bool:
    """An issue may also be named by its Sentry link, which the issue lookup checks itself."""
    return param.key == "issue" and raw.startswith(("https://", "http://"))


@dataclass
class Registry:
    commands: list[Command] = field(default_factory=list)

    def command(
        self,
        words: str,
        *params: Param,
        summary: str,
        level: Level,
        examples: Sequence[str] = (),
        aliases: Sequence[str] = (),
        confirm: Callable[[Args], str] | None = None,
        family: str = "general",
        hidden: bool = False,
        anyone: bool = False,
        describe: Callable[[Ctx, Args], Awaitable[str]] | None = None,
    ) -> Callable[[Handler], Handler]:
        """Declare a command; see the module docstring."""
        key = tuple(words.split())

        def register(run: Handler) -> Handler:
            if self.find(key) is not None:
                raise ValueError(f"command declared twice: {words}")
            if anyone and level is not Level.READ:
                raise ValueError(f"only a read command can be open to anyone: {words}")
            if level is Level.DESTRUCTIVE and confirm is None:
                raise ValueError(f"destructive command without a confirmation: {words}")
            self.commands.append(
                Command(
                    words=key,
                    params=params,
                    summary=summary,
                    level=level,
                    examples=tuple(examples),
                    run=run,
                    aliases=tuple(tuple(a.split()) for a in aliases),
                    confirm=confirm,
                    family=family,
                    hidden=hidden,
                    anyone=anyone,
                    describe=describe,
                )
            )
            return run

        return register

    def __iter__(self) -> Iterator[Command]:
        return iter(self.commands)

    def find(self, words: Sequence[str]) -> Command | None:
        wanted = tuple(w.lower() for w in words)
        for cmd in self.commands:
            if cmd.words == wanted or wanted in cmd.aliases:
                return cmd
        return None

    def match(self, tokens: Sequence[str]) -> tuple[Command, list[str]] | None:
        """The command whose words are the longest prefix of `tokens`, and the tokens left over."""
        lowered = [t.lower() for t in tokens]
        best: tuple[Command, int] | None = None
        for cmd in self.commands:
            for words in (cmd.words, *cmd.aliases):
                n = len(words)
                if tuple(lowered[:n]) == words and (best is None or n > best[1]):
                    best = (cmd, n)
        if best is None:
            return None
        return best[0], list(tokens[best[1] :])

    def group(self, words: Sequence[str]) -> list[Command]:
        """The commands that `words` starts, for `help scim` or a bare `/sentry forwarder`.

        The last word also names its plural (`hook` lists `hooks`, `hook add`, `hook remove`).
        """
        wanted = tuple(w.lower() for w in words)
        if not wanted:
            return []
        head, last = wanted[:-1], wanted[-1]
        return [
            cmd
            for cmd in self.commands
            if not cmd.hidden
            and len(cmd.words) >= len(wanted)
            and cmd.words[: len(head)] == head
            and cmd.words[len(head)] in (last, last + "s")
        ]

    def suggest(self, tokens: Sequence[str]) -> list[str]:
        """Command names close to what was typed, for "did you mean"."""
        names = [c.name for c in self.commands if not c.hidden]
        typed_long = " ".join(tokens[:2]).lower()
        typed = tokens[0].lower() if tokens else ""
        close = difflib.get_close_matches(typed_long, names, n=3, cutoff=0.6)
        close += [n for n in difflib.get_close_matches(typed, names, n=3, cutoff=0.6) if n not in close]
        return close[:3]


registry = Registry()
