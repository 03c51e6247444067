"""Fuzzing the command grammar: every declared command, typed with mutated arguments, gets a usage
answer or a real one, never the crash answer.

The mutations are generated from each command's declared parameters (so a new command is fuzzed
as soon as it is declared) and run through the dispatcher against the demo's Sentry stand-in, so
the handlers run too. Destructive commands run as if confirmed.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.commands import registry
from bot.commands.dispatch import GENERIC_FAILURE
from bot.commands.registry import Command, Param
from tests.demo import demo

COMMANDS = [cmd for cmd in registry if not cmd.hidden]

# Values people and scripts type by mistake: huge, negative and non-finite numbers, unicode, quotes,
# options where values belong, path tricks, Slack's markup, empty. Every parameter of every command
# meets each of SHARPEST (about 750 commands, bounded so the suite stays fast); the rest are for
# hypothesis to combine.
SHARPEST = ["1e400", "nan", "9223372036854775808", "999999999999999h", "", "--x=", "../x", "x" * 3000]
NASTY = [
    *SHARPEST, "-1", "'", "😀", "<@U123>", "-1e400", "1e-400", "inf", "-inf", "0", "2147483648", str(10**40), "999999999999999w", "0d",
    "-5m", "1.5", "1,5", "0x1f", " ", "''", '"', "--", "-", "--x", "=", "a?b", "a#b", "a/b", "%2e%2e", "\x00",
    "\u202e", "İ", "ß", "²", "١٢٣", "<#C123|x>", "<!here>", "&amp;", "WEB-12A", "WEB12A", "5501024301",
    "https://acme.sentry.io/issues/1/", "http://", "a@b", "@alice", ",", ",,", "k=v,=", "=v", "on", "off",
]  # fmt: skip

WILD = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=30),
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)


def _example_words(cmd: Command) -> list[str]:
    return [w for example in cmd.examples for w in shlex.split(example)[len(cmd.words) :]] or ["web"]


def _value(cmd: Command, param: Param) -> st.SearchStrategy[str]:
    plausible = list(param.choices) or _example_words(cmd)
    return st.one_of(st.sampled_from(plausible), WILD)


def _tokens(cmd: Command) -> st.SearchStrategy[list[str]]:
    """The words after the command's own: each parameter given, mangled or left out, in any order."""
    parts: list[st.SearchStrategy[list[str]]] = []
    for param in cmd.params:
        value = _value(cmd, param)
        if param.kind == "arg":
            parts.append(st.lists(value, min_size=0, max_size=3 if param.rest else 1))
        elif param.kind == "flag":
            parts.append(st.sampled_from([[], [param.name], [f"{param.name}=x"]]))
        else:
            parts.append(
                st.one_of(
                    st.just([]),
                    value.map(lambda v, n=param.name: [n, v]),
                    value.map(lambda v, n=param.name: [f"{n}={v}"]),
                    st.just([param.name]),
                    st.just([f"{param.name}="]),
                )
            )
    extra = st.lists(WILD, max_size=2)
    return st.tuples(*parts, extra).flatmap(lambda groups: st.permutations([w for g in groups for w in g]))


def _text(cmd: Command) -> st.SearchStrategy[str]:
    def typed(words: list[str], quote: bool) -> str:
        rest = [shlex.quote(w) if quote else w for w in words]
        return " ".join([cmd.name, *rest])

    return st.tuples(_tokens(cmd), st.booleans()).map(lambda t: typed(*t))


MUTATED = st.sampled_from(COMMANDS).flatmap(_text)


def _example(cmd: Command) -> tuple[list[str], dict[str, str | None]]:
    """The command's first example as its positional words and its options (None for a flag)."""
    by_name = {p.name: p for p in cmd.params if p.kind != "arg"}
    free: list[str] = []
    options: dict[str, str | None] = {}
    words = iter(shlex.split(cmd.examples[0])[len(cmd.words) :] if cmd.examples else [])
    for word in words:
        name, eq, inline = word.partition("=")
        param = by_name.get(name)
        if param is None:
            free.append(word)
        else:
            options[name] = None if param.kind == "flag" else (inline if eq else next(words, ""))
    return free, options


def _typed(cmd: Command, free: list[str], options: dict[str, str | None], *, inline: bool) -> str:
    words = list(free)
    for name, value in options.items():
        if value is None:
            words.append(name)
        else:
            words += [f"{name}={value}"] if inline else [name, value]
    return " ".join([cmd.name, *(shlex.quote(w) for w in words)])


def single_mutations(cmd: Command) -> Iterator[str]:
    """The command's example with one parameter at a time set to each SHARPEST value."""
    free, options = _example(cmd)
    positionals = [p for p in cmd.params if p.kind == "arg"]
    for n, value in enumerate(SHARPEST):
        for i, param in enumerate(positionals):
            changed = [*free[:i], value, *([] if param.rest else free[i + 1 :])]
            yield _typed(cmd, changed, options, inline=False)
        for param in cmd.params:
            if param.kind == "opt":  # `--name value` and `--name=value` take turns
                yield _typed(cmd, free, {**options, param.name: value}, inline=n % 2 == 1)


@pytest.fixture
async def console():
    async with demo() as opened:
        yield opened


async def test_no_command_crashes_with_any_one_parameter_mangled(console):
    ctx = console.ctx().but(confirmed=True)
    crashed = []
    for cmd in COMMANDS:
        for text in single_mutations(cmd):
            reply = await console.dispatcher.run(console.directory.mentions(text), ctx)
            if GENERIC_FAILURE in reply.message["text"]:
                crashed.append(text[:200])
    assert crashed == []


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=MUTATED)
async def test_no_mutated_command_crashes(console, text):
    ctx = console.ctx().but(confirmed=True)
    reply = await console.dispatcher.run(text, ctx)
    assert GENERIC_FAILURE not in reply.message["text"], text
