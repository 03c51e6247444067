"""How `issues`, `mine` and `unassigned` read what was typed: the query words, `me`, the period."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.commands.lists import Search, period_value, search_words, uses_me, with_me

EMAIL = "alice@acme.example"


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("issues", []),
        ("issues web level:error --period 24h", ["web", "level:error"]),
        ("issues --sort freq web", ["web"]),
        ("issues --env=production is:resolved", ["is:resolved"]),
        ('issues release:"web 1.0" "Network request failed"', ['release:"web 1.0"', '"Network request failed"']),
        ('issues "unbalanced quote', ['"unbalanced quote']),
        ("mine !level:info", ["!level:info"]),
    ],
)
def test_the_query_words_are_kept_as_typed_without_the_options(typed, words):
    assert search_words(typed, command_words=1) == words


@pytest.mark.parametrize(
    ("words", "replaced"),
    [
        (["assigned:me"], [f"assigned:{EMAIL}"]),
        (["!assigned:me"], [f"!assigned:{EMAIL}"]),
        (["bookmarks:me", "assigned_or_suggested:me"], [f"bookmarks:{EMAIL}", f"assigned_or_suggested:{EMAIL}"]),
        (["assigned:[me,none]"], [f"assigned:[{EMAIL},none]"]),
        (['"assigned:me"'], ['"assigned:me"']),  # quoted free text is text
        (["me"], ["me"]),  # a bare word is free text
        (["user.username:me"], ["user.username:me"]),  # a tag whose value happens to be "me"
        (["assigned:meg@acme.example"], ["assigned:meg@acme.example"]),
    ],
)
def test_me_means_the_requester_only_as_the_value_of_a_person_valued_key(words, replaced):
    assert with_me(words, EMAIL) == replaced
    assert uses_me(words) == (words != replaced)


@given(st.lists(st.text(min_size=1).filter(lambda w: '"' in w or ":" not in w)))
def test_quoted_and_unkeyed_words_are_never_changed(words):
    assert with_me(words, EMAIL) == words


def test_the_default_status_comes_first_unless_the_query_says_its_own():
    assert Search(["level:error"]).query == "is:unresolved level:error"
    assert Search(["is:resolved", "level:error"]).query == "is:resolved level:error"
    assert Search(["!is:ignored"]).query == "!is:ignored"
    assert Search([]).query == "is:unresolved"


@pytest.mark.parametrize(
    ("raw", "period"), [("24h", "24h"), ("14D", "14d"), ("2w", "2w"), ("30m", "30m"), ("90d", "90d")]
)
def test_periods_sentry_accepts(raw, period):
    assert period_value(raw) == period


@pytest.mark.parametrize("raw", ["0h", "91d", "14", "yesterday", "1y", "-1d", "24 h"])
def test_periods_refused_say_what_is_accepted(raw):
    with pytest.raises(ValueError, match=r"24h|90d"):
        period_value(raw)


async def test_with_reads_open_to_everyone_an_unlinked_person_is_still_told_how_to_link_for_me():
    from bot.console import CONSOLE_USER, open_console
    from bot.settings import Settings
    from tests.demo import answer

    settings = Settings(_env_file=None, bot_read_policy="everyone")  # type: ignore[call-arg]
    async with open_console(settings, demo=True, out=io.StringIO()) as console:
        await console.services.identity.unpin(CONSOLE_USER)
        listed = await answer(console, "/sentry issues")
        assert not listed[0].startswith("⚠️")  # reading is open to everyone
        for line in ("/sentry mine", "/sentry issues assigned:me"):
            refused = await answer(console, line)
            assert refused[0].startswith("⚠️")
            assert "is not linked to a Sentry member" in refused[0]
            assert "/sentry identity set @you <your-sentry-email>" in refused[0]
