"""Which links are Sentry issue links: the forms Sentry's own unfurler reads, on sentry.io, its
organization and region subdomains, and the self-hosted SENTRY_URL host."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.commands.dispatch import ISSUE_URL
from bot.commands.refs import SentryLink, sentry_link

SELF_HOSTED = "https://sentry.acme.internal/"
UNFURL = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "slack" / "sentry.unfurl.issue_link_regex.json"

LINKS = {
    "https://acme.sentry.io/issues/42/": SentryLink("42"),
    "https://acme.sentry.io/issues/42": SentryLink("42"),
    "https://sentry.io/organizations/acme/issues/42/": SentryLink("42"),
    "https://acme.sentry.io/issues/42/events/9fac2ceed9344f2bbfdd1fdacb0ed9b1/": SentryLink(
        "42", "9fac2ceed9344f2bbfdd1fdacb0ed9b1"
    ),
    "https://sentry.io/organizations/acme/issues/42/events/latest/?project=1": SentryLink("42", "latest"),
    "https://acme.us.sentry.io/issues/42/?project=1&query=is:unresolved": SentryLink("42"),
    "https://de.sentry.io/organizations/acme/issues/42/tags/#top": SentryLink("42"),
    "https://sentry.acme.internal/organizations/acme/issues/42/": SentryLink("42"),
    "http://sentry.acme.internal/issues/42/events/abc/": SentryLink("42", "abc"),
}

NOT_ISSUES = [
    "https://github.com/acme/web/issues/42",
    "https://sentry.io.evil.example/organizations/acme/issues/42/",
    "https://notsentry.io/organizations/acme/issues/42/",
    "https://acme.sentry.io/issues/",
    "https://acme.sentry.io/organizations/acme/projects/web/",
    "ftp://acme.sentry.io/issues/42/",
]


@pytest.mark.parametrize("url", list(LINKS))
def test_every_form_names_its_issue_and_event(url: str):
    assert sentry_link(url, sentry_url=SELF_HOSTED) == LINKS[url]
    assert ISSUE_URL.match(url)


@pytest.mark.parametrize("url", NOT_ISSUES)
def test_other_links_name_no_issue(url: str):
    assert sentry_link(url, sentry_url=SELF_HOSTED) is None


def test_sentrys_own_unfurler_forms_are_read():
    if not UNFURL.exists():
        pytest.skip(f"Sentry's unfurl forms are not at {UNFURL}")
    published = json.loads(UNFURL.read_text())
    patterns = [published["issue_link_regex"], published["customer_domain_issue_link_regex"]]
    for example in published["examples"]:
        theirs = next(m for p in patterns if (m := re.match(p, example)))
        ours = sentry_link(example, sentry_url="https://sentry.io/")
        assert ours == SentryLink(theirs.group("issue_id"), theirs.group("event_id"))
