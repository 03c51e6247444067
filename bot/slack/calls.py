"""Counting every Slack Web API call (`sentry_bot_slack_api_calls_total{method, status}`).

slack_sdk asks each of a client's retry handlers, in order, about every answer and every error
until one retries (`slack_sdk/web/async_internal_utils.py` `_request_with_session`). A handler put
first that never retries therefore sees each attempt, on every copy of the client: Bolt builds a
client per request with a copy of the same handler list (`slack_bolt/app/async_app.py`).

    client = counted(AsyncWebClient(token=..., base_url=...))

A file's bytes go to the upload URL `files.getUploadURLExternal` gave (`https://files.slack.com/
upload/v1/<opaque>`), through the same handlers: that step is counted as `upload_url`, never by its
opaque path, and answers plain text rather than Slack's JSON (200 when it took the bytes).
"""

from __future__ import annotations

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot.metrics import SLACK_API_CALLS

__all__ = ["UPLOAD_STEP", "CallCounter", "counted", "method_of", "status_of"]

UPLOAD_STEP = "upload_url"


def method_of(url: str) -> str:
    """The Web API method a request URL calls (`.../api/chat.postMessage`), or `upload_url`."""
    path = url.split("?", 1)[0].rstrip("/")
    if "/upload/" in path:
        return UPLOAD_STEP
    return path.rsplit("/", 1)[-1]


def status_of(response: HttpResponse | None, error: Exception | None) -> str:
    """`ok`, Slack's error code, `http_<code>` for an answer that is not Slack's JSON, or `connection_error`."""
    if response is None:
        return "connection_error" if error is not None else "unknown"
    body = response.body
    if isinstance(body, dict) and "ok" in body:
        return "ok" if body["ok"] else str(body.get("error") or "unknown")
    return f"http_{response.status_code}"


class CallCounter(AsyncRetryHandler):
    """A retry handler that never retries: it counts the attempt it is shown."""

    async def can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        method = method_of(request.url)
        uploaded = method == UPLOAD_STEP and response is not None and response.status_code == 200
        # The upload URL answers 200 for bytes it took (files.getUploadURLExternal, "Usage info").
        SLACK_API_CALLS.labels(method, "ok" if uploaded else status_of(response, error)).inc()
        return False


def counted(client: AsyncWebClient) -> AsyncWebClient:
    """`client`, its calls counted (the counter goes first, before any handler that retries)."""
    if not any(isinstance(h, CallCounter) for h in client.retry_handlers):
        client.retry_handlers.insert(0, CallCounter())
    return client
