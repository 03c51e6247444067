"""The command grammar: what people type is bound to a command's parameters, or refused with a
usage answer that names the parameter and says what to type instead."""

from __future__ import annotations

import pytest

from bot.commands import registry
from bot.errors import UsageError
from tests.demo import answer, demo


def refusal(text: str) -> str:
    """The usage answer the grammar gives `text` (it fails the test if the text parses)."""
    found = registry.match(text.split())
    assert found is not None, text
    cmd, rest = found
    with pytest.raises(UsageError) as caught:
        cmd.parse(rest)
    return caught.value.user_message()


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("external-user add alice@acme.example github @alice --integration x", "`--integration`"),
        ("external-user update 501 alice@acme.example github @alice --integration 1.5", "`--integration`"),
        ("external-team add backend github @acme/backend --integration -3", "`--integration`"),
        ("stats web --since 999999999999999h", "`--since`"),
        ("stats web --since 1e400", "`--since`"),
        ("stats web --since nan", "`--since`"),
        ("stats web --until -inf", "`--until`"),
        ("stats web --until 1e400", "`--until`"),
    ],
)
def test_a_value_a_converter_refuses_is_a_usage_error_naming_the_option(text, named):
    message = refusal(text)
    assert message.startswith(f"Bad {named}: ")
    assert "Usage: `/sentry " in message


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("project ../x", "<project>"),
        ("project a?b", "<project>"),
        ("tags web a#b", "<key>"),
        ("hook remove web ../../members", "<hook-id>"),
        ("forwarder remove 42/..", "<id>"),
        ("resolve WEB-1?x=1", "<issue>"),
        ("unlink %2e%2e", "<link-id>"),
    ],
)
def test_a_path_parameter_that_cannot_be_an_identifier_is_refused_with_its_usage(text, named):
    message = refusal(text)
    assert f"cannot be {named}: give a slug, short ID or id" in message
    assert "Usage: `/sentry " in message


@pytest.mark.parametrize(
    "text",
    [
        "project web",
        "tags web sentry:release",
        "resolve WEB-12A",
        "issue 5501024301",
        "event 0123456789abcdef0123456789abcdef",
    ],
)
def test_slugs_short_ids_ids_and_tag_keys_are_accepted(text):
    cmd, rest = registry.match(text.split())
    assert cmd.parse(rest)


async def test_in_the_demo_a_crafted_project_never_reaches_sentry_as_another_path():
    async with demo() as console:
        (line,) = await answer(console, "/sentry project ../x")
        assert line.startswith("⚠️ `../x` cannot be <project>")
        (line,) = await answer(console, "/sentry stats web --since 1e400")
        assert line.startswith("⚠️ Bad `--since`:")
        (line,) = await answer(console, "/sentry external-user add alice@acme.example github @alice --integration x")
        assert line.startswith("⚠️ Bad `--integration`: `x` is not a numeric id")
