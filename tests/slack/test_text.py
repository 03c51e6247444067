"""Text as Slack sends it becomes what the person typed, decoded once.

The pairs of typed and sent text come from Slack's formatting docs, as kept in
../shared/fixtures/slack/slack.escaping.json (the test reading it skips when it is absent).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.slack.text import from_slack, slack_url
from tests.fakes.signing import slack_encoded

ESCAPING = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "slack" / "slack.escaping.json"


def test_slacks_own_examples_decode_to_what_was_typed():
    if not ESCAPING.exists():
        pytest.skip(f"Slack's escaping examples are not at {ESCAPING}")
    cases = json.loads(ESCAPING.read_text())["typed_vs_sent"]
    decoded = {sent: from_slack(sent) for _typed, sent in cases}
    assert decoded["Hello &amp; &lt;world&gt;"] == "Hello & <world>"
    assert decoded["<#C024BE7LR|general>"] == "<#C024BE7LR>"
    assert decoded["<@U024BE7LH|bob>"] == decoded["<@U024BE7LH>"] == "<@U024BE7LH>"
    assert decoded["<http://www.foo.com>"] == "http://www.foo.com"
    assert decoded["<http://www.foo.com|www.foo.com>"] == "http://www.foo.com"
    assert decoded["<mailto:bob@example.com|bob@example.com>"] == "bob@example.com"
    assert decoded["<https://example.com/?a=0&amp;b=1>"] == "https://example.com/?a=0&b=1"
    assert decoded["<!here>"] == "<!here>"
    assert decoded["<!subteam^S0123ABCD|@backend>"] == "<!subteam^S0123ABCD>"


def test_an_entity_someone_typed_is_decoded_once_only():
    # A person who types `&lt;` sees `&lt;`; Slack sends `&amp;lt;`.
    assert from_slack("R&amp;amp;D &amp;lt;b&amp;gt;") == "R&amp;D &lt;b&gt;"


def test_a_link_shared_url_loses_its_amp_entities():
    assert slack_url("https://acme.sentry.io/issues/1/?a=1&amp;b=2") == "https://acme.sentry.io/issues/1/?a=1&b=2"


# Typed text with Slack's special characters, links and emails; without `www.` hosts (Slack adds
# `http://` to those) and without `<@`, `<#`, `<!` (what a person picks from autocomplete).
typed_text = st.text(alphabet="ab R&D<>;:/?=.@-_|#!\"'", max_size=60).filter(
    lambda s: "www." not in s and not any(f"<{c}" in s for c in "@#!")
)


@given(typed_text)
def test_whatever_is_typed_arrives_as_typed(typed: str):
    assert from_slack(slack_encoded(typed)) == typed


@given(st.lists(st.sampled_from(["WEB-12A", "https://t.example/?id=1&view=full", "bob@acme.example", "R&D-7"])))
def test_commands_words_arrive_as_typed(words: list[str]):
    typed = " ".join(words)
    assert from_slack(slack_encoded(typed)) == typed
