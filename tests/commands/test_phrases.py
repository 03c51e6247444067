"""Plain English answered with the command that does it: an example table, and no text breaks it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.commands import registry
from bot.commands.dispatch import tokenize
from bot.commands.phrases import suggest

PROJECTS = ["web", "api", "ios"]

EXAMPLES = [
    ("show me errors in web", "issues web level:error"),
    ("errors in web today", "issues web level:error --period 24h"),
    ("what broke in api today", "issues api --sort new --period 24h"),
    ("my issues", "mine"),
    ("show me my crashes", "mine level:fatal"),
    ("my issues this week", "issues assigned:me --period 7d"),
    ("issues assigned to me in ios", "issues ios assigned:me"),
    ("unassigned issues in api", "unassigned api"),
    ("what is nobody working on", "unassigned"),
    ("unassigned errors in web", "issues web is:unassigned level:error"),
    ("noisiest issues in web last 3 days", "issues web --sort freq --period 3d"),
    ("which errors affect the most users", "issues level:error --sort user"),
    ("resolved issues in api", "issues api is:resolved"),
    ("warnings on staging in the past week", "issues level:warning --period 7d --env staging"),
    ("fatal errors in prod", "issues level:fatal --env production"),
    ("warnings and crashes in ios", "issues ios level:[warning,fatal]"),
    ("errors in wbe", "issues web level:error"),  # a project spelled close to one
    ("What broke in API today?", "issues api --sort new --period 24h"),
    ("show me the projects", "projects"),
    ("list members", "members"),
]


@pytest.mark.parametrize(("typed", "command"), EXAMPLES, ids=[typed for typed, _ in EXAMPLES])
def test_a_plain_english_request_is_answered_with_the_command(typed, command):
    assert suggest(typed, projects=PROJECTS, registry=registry) == command


@pytest.mark.parametrize(
    "typed",
    ["frobnicate", "hello there", "thanks!", "", "   ", "42", "web", "resolved WEB-12A", "unresolved 5501024301"],
)
def test_what_asks_for_nothing_gets_no_suggestion(typed):
    assert suggest(typed, projects=PROJECTS, registry=registry) is None


def test_without_the_project_list_the_rest_is_still_read():
    assert suggest("errors in web today", projects=[], registry=registry) == "issues level:error --period 24h"


def parses(command: str) -> None:
    """`command` is one the registry runs: it names a command and its words bind to its parameters."""
    tokens = tokenize(command)
    found = registry.match(tokens)
    assert found is not None, command
    found[0].parse(found[1])


@pytest.mark.parametrize(("typed", "command"), EXAMPLES, ids=[typed for typed, _ in EXAMPLES])
def test_every_suggestion_is_a_command_the_registry_runs(typed, command):
    parses(command)


words = st.sampled_from(
    [
        "my",
        "me",
        "to",
        "in",
        "on",
        "errors",
        "crashes",
        "today",
        "last",
        "past",
        "3",
        "0",
        "99999",
        "days",
        "hours",
        "week",
        "web",
        "api",
        "staging",
        "prod",
        "noisiest",
        "most",
        "users",
        "unassigned",
        "not",
        "assigned",
        "resolved",
        "issues",
        "show",
        "projects",
        "members",
        "the",
    ]
)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(max_size=300), st.lists(words, max_size=12).map(" ".join)))
def test_no_text_breaks_it_and_every_answer_runs(text):
    command = suggest(text, projects=PROJECTS, registry=registry)
    if command is not None:
        parses(command)
        assert len(command) < 300
