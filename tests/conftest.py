"""Fixtures shared by every test: the fake Slack Web API and Prism (Sentry's schema, validated).

Prism fixtures skip when the schema or Prism is missing, except under CI=true, where the
contract tests must run, so absence fails instead of passing as a silent skip.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from typing import Literal

import pytest

from tests.fakes import FakeSlack, PrismUnavailable, running_prism


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """A started FakeSlack; point the bot at `fake_slack.api_url` (SLACK_API_URL).

    A test fails when the bot sent an ephemeral Slack would never show (a `thread_ts` of no thread).
    """
    async with FakeSlack() as fake:
        yield fake
    if fake.unseen:
        pytest.fail(f"ephemeral(s) to a thread that does not exist, never shown by Slack: {fake.unseen}")


def _prism(tmp_path_factory: pytest.TempPathFactory, link_headers: Literal["last", "more"] | None) -> Iterator[str]:
    with contextlib.ExitStack() as stack:
        try:
            server = stack.enter_context(running_prism(tmp_path_factory.mktemp("prism"), link_headers=link_headers))
        except PrismUnavailable as exc:
            if os.environ.get("CI", "").lower() in ("true", "1"):
                pytest.fail(f"CI=true and Prism is unavailable: {exc}", pytrace=False)
            pytest.skip(f"Prism contract tests skipped: {exc}")
        yield server.url


@pytest.fixture(scope="session")
def prism_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """SENTRY_URL of a Prism mock of sentry.io (`http://127.0.0.1:PORT/`), for the whole session."""
    yield from _prism(tmp_path_factory, None)


@pytest.fixture(scope="session")
def prism_paging_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Like prism_url, but paginated operations answer with Sentry's `Link` header saying
    `rel="next"; results="true"; cursor="0:100:0"` on every page (static mock: cap pages)."""
    yield from _prism(tmp_path_factory, "more")


@pytest.fixture(scope="session")
def prism_last_page_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Like prism_paging_url, but the `next` link says `results="false"`: a one-page listing."""
    yield from _prism(tmp_path_factory, "last")
