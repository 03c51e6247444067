"""Every client operation against Prism serving Sentry's published schema: zero violations.

Prism rejects what sentry.io would reject (422 with a `validation` list, or 400 with the reasons in
the `sl-violations` header); valid requests get the schema's own example response, which must parse
into our models. Skipped where Prism or the schema is absent, except in CI.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from pydantic import BaseModel

from bot.sentry import Page, ReadCache, SentryClient
from bot.sentry.client import SentryClient as ClientClass
from tests.contract.operations import OPERATIONS
from tests.fakes.prism import prism_violations


class Recorder:
    """Keeps every response Prism gave, through aiohttp's tracing hooks (no change to the client)."""

    def __init__(self) -> None:
        self.responses: list[tuple[str, str, int, dict[str, str]]] = []
        self.trace = aiohttp.TraceConfig()
        self.trace.on_request_end.append(self._on_end)

    async def _on_end(self, session: Any, ctx: Any, params: aiohttp.TraceRequestEndParams) -> None:
        self.responses.append((params.method, params.url.path, params.response.status, dict(params.response.headers)))


@pytest.fixture
async def recorded_client(prism_url: str) -> AsyncIterator[tuple[SentryClient, Recorder]]:
    recorder = Recorder()
    async with aiohttp.ClientSession(trace_configs=[recorder.trace]) as session:
        client = SentryClient(
            base_url=prism_url, token="contract-test", org="acme", session=session, cache=ReadCache(ttl=0)
        )
        yield client, recorder


def test_every_operation_is_listed():
    public = {
        name
        for name in dir(ClientClass)
        if not name.startswith("_") and callable(getattr(ClientClass, name)) and name not in ("close",)
    }
    assert public == {name for name, _ in OPERATIONS}


@pytest.mark.parametrize(("name", "call"), OPERATIONS, ids=[f"{i:02d}-{n}" for i, (n, _) in enumerate(OPERATIONS)])
async def test_operation_meets_the_published_contract(recorded_client, name, call):
    client, recorder = recorded_client
    result = await call(client)
    assert recorder.responses, f"{name} sent no request"
    for method, path, status, headers in recorder.responses:
        violations = prism_violations(headers, None)
        assert status < 400, f"{method} {path} -> {status}: {violations}"
        assert violations == [], f"{method} {path}: {json.dumps(violations)}"
    # The schema's example parsed into our models: lists hold its example rows, objects are models.
    if isinstance(result, Page | list):
        assert len(result) >= 1
        assert all(isinstance(item, BaseModel) for item in result)
    elif result is not None and not isinstance(result, dict):
        assert isinstance(result, BaseModel)
