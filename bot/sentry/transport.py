"""HTTP to Sentry: one aiohttp session, rate limits, bounded retries, and typed errors.

Reads (GET) are retried on connection errors, timeouts and 5xx with exponential backoff. Writes are
never repeated blindly: the only retry of a write is after a 429, which Sentry sends before doing
anything. On 429 the client waits until `X-Sentry-Rate-Limit-Reset` (bounded) and tries again; when
an answer says no requests remain, the next request waits for the reset first.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
from yarl import URL

from bot.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    SentryAPIError,
    SentryTimeout,
    SentryUnavailable,
)
from bot.metrics import SENTRY_REQUEST_SECONDS

__all__ = ["Response", "Transport", "error_from_response"]

log = logging.getLogger("bot.sentry")

Params = Mapping[str, str | int | float | Sequence[str] | None]


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]
    data: Any


def _detail_of(body: Any) -> tuple[str, str | None, dict[str, list[str]]]:
    """Sentry's three error bodies → (message, code, field errors)."""
    if isinstance(body, dict):
        detail = body.get("detail")
        if isinstance(detail, str):
            return detail, None, {}
        if isinstance(detail, dict):
            return str(detail.get("message") or ""), detail.get("code"), {}
        fields = {
            str(k): [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in body.items() if k != "detail"
        }
        return "", None, fields
    if isinstance(body, list):
        return " ".join(str(m) for m in body), None, {}
    if isinstance(body, str):
        return body.strip()[:300], None, {}
    return "", None, {}


def error_from_response(status: int, body: Any, *, operation: str, reset_in: float | None = None) -> SentryAPIError:
    """The typed exception for an error answer, carrying Sentry's own message."""
    detail, code, fields = _detail_of(body)
    kw: dict[str, Any] = {"status": status, "code": code, "fields": fields, "operation": operation}
    if status == 404:
        return NotFound(detail, **kw)
    if status in (401, 403):
        return Forbidden(detail, **kw)
    if status == 409:
        return Conflict(detail, **kw)
    if status == 429:
        return RateLimited(detail, reset_in=reset_in, **kw)
    if status in (400, 422) or 400 <= status < 500:
        return InvalidInput(detail, **kw)
    return SentryUnavailable(detail, **kw)


class Transport:
    """Sends requests to `base_url` (SENTRY_URL + `/api/0/`) with the bearer token."""

    def __init__(
        self,
        *,
        base_url: str,
        token: str,
        session: aiohttp.ClientSession | None = None,
        max_concurrency: int = 8,
        timeout: float = 15.0,
        read_retries: int = 2,
        rate_limit_retries: int = 2,
        max_rate_wait: float = 10.0,
        backoff: float = 0.25,
    ) -> None:
        self._base = base_url if base_url.endswith("/") else base_url + "/"
        self._auth = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self._session = session
        self._owns_session = session is None
        self._slots = asyncio.Semaphore(max_concurrency)
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._read_retries = read_retries
        self._rate_limit_retries = rate_limit_retries
        self._max_rate_wait = max_rate_wait
        self._backoff = backoff
        self._blocked_until = 0.0

    def __repr__(self) -> str:  # never show the token
        return f"Transport(base_url={self._base!r})"

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        if self._session.closed:
            raise RuntimeError("the Sentry client is closed")
        return self._session

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()

    def url(self, path: str, params: Params | None = None) -> URL:
        # `encoded=True`: the path is already quoted segment by segment; yarl must not decode
        # `%2F` back into a slash or fold `..`.
        url = URL(self._base + path.lstrip("/"), encoded=True)
        if params:
            query: list[tuple[str, str]] = []
            for key, value in params.items():
                if value is None:
                    continue
                if isinstance(value, (list, tuple)):
                    query.extend((key, str(v)) for v in value)
                else:
                    query.append((key, str(value)))
            url = url.with_query(query)
        return url

    async def request(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        params: Params | None = None,
        json: Any = None,
        url: URL | None = None,
    ) -> Response:
        """One logical request: waits, retries and error mapping included. Returns 2xx only."""
        target = url if url is not None else self.url(path, params)
        is_read = method == "GET"
        attempt = 0
        rate_limited = 0
        while True:
            attempt += 1
            await self._wait_for_reset()
            try:
                response = await self._send(method, target, json=json, operation=operation)
            except SentryUnavailable:
                if is_read and attempt <= self._read_retries:
                    await asyncio.sleep(self._backoff * 2 ** (attempt - 1))
                    continue
                raise
            if response.status < 400:
                return response
            if response.status == 429:
                wait = self._reset_in(response.headers)
                if rate_limited < self._rate_limit_retries and wait <= self._max_rate_wait:
                    rate_limited += 1
                    log.info("sentry.rate_limited", extra={"operation": operation, "wait": wait})
                    await asyncio.sleep(wait)
                    attempt -= 1
                    continue
                raise error_from_response(429, response.data, operation=operation, reset_in=wait)
            if response.status >= 500 and is_read and attempt <= self._read_retries:
                await asyncio.sleep(self._backoff * 2 ** (attempt - 1))
                continue
            raise error_from_response(response.status, response.data, operation=operation)

    async def _send(self, method: str, url: URL, *, json: Any, operation: str) -> Response:
        started = time.monotonic()
        async with self._slots:
            sent = time.monotonic()  # the metric is Sentry's latency, without the wait for a slot
            try:
                async with self.session.request(
                    method, url, json=json, headers=self._auth, timeout=self._timeout
                ) as resp:
                    raw = await resp.read()
                    headers = dict(resp.headers)
                    status = resp.status
            except TimeoutError as exc:
                SENTRY_REQUEST_SECONDS.labels(operation, "timeout").observe(time.monotonic() - sent)
                raise SentryTimeout(operation=operation) from exc
            except aiohttp.ClientError as exc:
                SENTRY_REQUEST_SECONDS.labels(operation, "connection_error").observe(time.monotonic() - sent)
                raise SentryUnavailable(type(exc).__name__, operation=operation) from exc
            SENTRY_REQUEST_SECONDS.labels(operation, str(status)).observe(time.monotonic() - sent)
        log.debug(
            "sentry.request",
            extra={
                "operation": operation,
                "method": method,
                "path": url.path,
                "status": status,
                "ms": round((time.monotonic() - started) * 1000, 1),
            },
        )
        self._note_rate_limit(headers)
        return Response(status=status, headers=headers, data=_parse_body(raw))

    def _reset_in(self, headers: Mapping[str, str]) -> float:
        """Seconds until the rate-limit window resets; 1 s when Sentry did not say."""
        reset = headers.get("X-Sentry-Rate-Limit-Reset")
        try:
            return max(0.0, float(reset) - time.time()) if reset else 1.0
        except ValueError:
            return 1.0

    def _note_rate_limit(self, headers: Mapping[str, str]) -> None:
        remaining = headers.get("X-Sentry-Rate-Limit-Remaining")
        if remaining is not None and remaining.strip() == "0":
            wait = min(self._reset_in(headers), self._max_rate_wait)
            self._blocked_until = max(self._blocked_until, time.monotonic() + wait)

    async def _wait_for_reset(self) -> None:
        delay = self._blocked_until - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)


def _parse_body(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return jsonlib.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")
