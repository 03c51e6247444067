"""HTTP to Sentry: one aiohttp session, rate limits, bounded retries, bounded answers, typed errors.

Reads (GET) are retried on connection errors, timeouts and 5xx with exponential backoff. Writes are
never repeated blindly: the only retry of a write is after a 429, which Sentry sends before doing
anything.

Sentry rate limits "each unique combination of caller and endpoint" (docs.sentry.io/api/ratelimits),
so limits are kept per bucket: the operation, which names one endpoint (path template). A 429 or an
exhausted `X-Sentry-Rate-Limit-Remaining` holds back only later calls to that operation, a wait is
never longer than `max_rate_wait` (beyond it the caller gets `RateLimited`, saying when to retry), and
a reset further ahead than `MAX_BELIEVED_RESET` is not believed.

No one endpoint can take every connection: a request holds a slot of its path (at most
`PER_PATH_SLOTS`), of its operation (at most half the client's) and of the client, taken narrowest
first. Answers are read up to `max_response_bytes` (then `ResponseTooLarge`), and a large body is
parsed in a worker thread so the event loop keeps serving everyone else.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
from yarl import URL

from bot import jsoncodec
from bot.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    ResponseTooLarge,
    SentryAPIError,
    SentryTimeout,
    SentryUnavailable,
    UnexpectedShape,
)
from bot.metrics import SENTRY_REQUEST_SECONDS

__all__ = ["MAX_RESPONSE_BYTES", "NotJSON", "Response", "Transport", "error_from_response"]

log = logging.getLogger("bot.sentry")

Params = Mapping[str, str | int | float | Sequence[str] | None]

# The largest answer the bot reads. Its biggest legitimate reads (an event with its breadcrumbs, a
# page of 100 issues) are a few MB; past this, the bytes and their parsed objects (about ten times the
# bytes) would cost every other user of the process.
MAX_RESPONSE_BYTES = 8 * 1024 * 1024
# Bodies above this are parsed in a thread: parsing 1 MB of JSON takes milliseconds, enough to notice
# when many arrive together, and a 50 MB one held the loop (and another user's `help`) for seconds.
PARSE_IN_THREAD_BYTES = 256 * 1024
# Sentry's rate-limit windows are seconds to a minute (docs.sentry.io/api/ratelimits: "fixed
# window", per endpoint); a reset further ahead is a broken clock or proxy, and is not remembered.
MAX_BELIEVED_RESET = 3600.0
# How long a bucket is refused without asking Sentry after a 429 that asked for more than we wait.
REFUSE_FOR_AT_MOST = 60.0
PER_PATH_SLOTS = 2
_READ_CHUNK = 64 * 1024
_PREVIEW_CHARS = 300


@dataclass(frozen=True)
class NotJSON:
    """A body that was not JSON (a proxy's HTML error page, a truncated answer): its first characters."""

    preview: str
    size: int


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
        return body.strip()[:_PREVIEW_CHARS], None, {}
    if isinstance(body, NotJSON):
        return body.preview, None, {}
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
    error: SentryAPIError
    if status in (400, 422) or 400 <= status < 500:
        error = InvalidInput(detail, **kw)
    else:
        error = SentryUnavailable(detail, **kw)
    if isinstance(body, NotJSON):
        # Sentry's API answers JSON, errors included; HTML is a load balancer or proxy speaking.
        error.what = f"Sentry answered {status} (not JSON)"
    return error


class _Slots:
    """At most `size` holders per key; a key's semaphore lives only while someone holds or waits for it."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._held: dict[str, tuple[asyncio.Semaphore, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        semaphore, users = self._held.get(key, (asyncio.Semaphore(self.size), 0))
        self._held[key] = (semaphore, users + 1)
        try:
            async with semaphore:
                yield
        finally:
            semaphore, users = self._held[key]
            if users == 1:
                del self._held[key]
            else:
                self._held[key] = (semaphore, users - 1)


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
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        self._base = base_url if base_url.endswith("/") else base_url + "/"
        self._auth = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self._session = session
        self._owns_session = session is None
        self._slots = asyncio.Semaphore(max_concurrency)
        self._operation_slots = _Slots(max(1, max_concurrency // 2))
        self._path_slots = _Slots(min(PER_PATH_SLOTS, max_concurrency))
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._read_retries = read_retries
        self._rate_limit_retries = rate_limit_retries
        self._max_rate_wait = max_rate_wait
        self._backoff = backoff
        self._max_bytes = max_response_bytes
        # Per rate-limit bucket (operation): the monotonic time before which it is not called.
        self._blocked_until: dict[str, float] = {}

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
            await self._wait_for_reset(operation)
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
                self._block(operation, min(wait, REFUSE_FOR_AT_MOST))
                raise error_from_response(429, response.data, operation=operation, reset_in=wait)
            if response.status >= 500 and is_read and attempt <= self._read_retries:
                await asyncio.sleep(self._backoff * 2 ** (attempt - 1))
                continue
            raise error_from_response(response.status, response.data, operation=operation)

    async def _send(self, method: str, url: URL, *, json: Any, operation: str) -> Response:
        started = time.monotonic()
        status: int | None = None
        sent: float | None = None
        failure: str | None = None
        try:
            async with self._path_slots.hold(url.path), self._operation_slots.hold(operation), self._slots:
                sent = time.monotonic()  # the latency metric is Sentry's, without the wait for a slot
                try:
                    async with self.session.request(
                        method, url, json=json, headers=self._auth, timeout=self._timeout
                    ) as resp:
                        status = resp.status
                        raw = await self._read(resp, operation=operation)
                        headers = dict(resp.headers)
                except TimeoutError as exc:
                    failure = "timeout"
                    raise SentryTimeout(operation=operation) from exc
                except aiohttp.ClientError as exc:
                    failure = "connection_error"
                    raise SentryUnavailable(type(exc).__name__, operation=operation) from exc
        finally:
            self._observe(
                operation=operation, method=method, path=url.path, outcome=failure or status, started=started, sent=sent
            )
        self._note_rate_limit(operation, headers)
        if len(raw) > PARSE_IN_THREAD_BYTES:
            data = await asyncio.to_thread(_parse_body, raw)
        else:
            data = _parse_body(raw)
        if isinstance(data, NotJSON) and status < 400:
            log.warning(
                "sentry.unexpected_shape", extra={"operation": operation, "reason": "not JSON", "bytes": data.size}
            )
            raise UnexpectedShape("not JSON", status=status, operation=operation)
        return Response(status=status, headers=headers, data=data)

    async def _read(self, resp: aiohttp.ClientResponse, *, operation: str) -> bytes:
        """The body, refused past the byte cap: by its Content-Length before reading, else as it streams
        (which also counts the bytes a compressed answer inflates to)."""
        if resp.content_length is not None and resp.content_length > self._max_bytes:
            log.warning("sentry.too_large", extra={"operation": operation, "bytes": resp.content_length})
            raise ResponseTooLarge(size=resp.content_length, limit=self._max_bytes, operation=operation)
        body = bytearray()
        async for chunk in resp.content.iter_chunked(_READ_CHUNK):
            body += chunk
            if len(body) > self._max_bytes:
                log.warning("sentry.too_large", extra={"operation": operation, "bytes": len(body)})
                raise ResponseTooLarge(size=None, limit=self._max_bytes, operation=operation)
        return bytes(body)

    def _observe(
        self, *, operation: str, method: str, path: str, outcome: int | str | None, started: float, sent: float | None
    ) -> None:
        """The one place a request's operation, outcome (its HTTP status, `timeout` or `connection_error`;
        None when it was given up before an answer) and latency are known. `sent` is when it got its slots."""
        if sent is not None and outcome is not None:
            SENTRY_REQUEST_SECONDS.labels(operation, str(outcome)).observe(time.monotonic() - sent)
        log.debug(
            "sentry.request",
            extra={
                "operation": operation,
                "method": method,
                "path": path,
                "status": outcome,
                "ms": round((time.monotonic() - started) * 1000, 1),
            },
        )

    def _reset_in(self, headers: Mapping[str, str]) -> float:
        """Seconds until the rate-limit window resets; 1 s when Sentry did not say."""
        reset = headers.get("X-Sentry-Rate-Limit-Reset")
        try:
            wait = max(0.0, float(reset) - time.time()) if reset else 1.0
        except ValueError:
            return 1.0
        return min(wait, MAX_BELIEVED_RESET)

    def _note_rate_limit(self, operation: str, headers: Mapping[str, str]) -> None:
        remaining = headers.get("X-Sentry-Rate-Limit-Remaining")
        if remaining is not None and remaining.strip() == "0":
            self._block(operation, min(self._reset_in(headers), self._max_rate_wait))

    def _block(self, operation: str, seconds: float) -> None:
        until = time.monotonic() + seconds
        self._blocked_until[operation] = max(self._blocked_until.get(operation, 0.0), until)

    async def _wait_for_reset(self, operation: str) -> None:
        """Wait out the bucket's window when that is short; refuse at once when it is not."""
        until = self._blocked_until.get(operation)
        if until is None:
            return
        delay = until - time.monotonic()
        if delay <= 0:
            del self._blocked_until[operation]
        elif delay > self._max_rate_wait:
            raise RateLimited(status=429, operation=operation, reset_in=delay)
        else:
            await asyncio.sleep(delay)


def _parse_body(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return jsoncodec.loads(raw)
    except (ValueError, RecursionError):
        return NotJSON(raw[: _PREVIEW_CHARS * 4].decode("utf-8", "replace")[:_PREVIEW_CHARS], len(raw))
