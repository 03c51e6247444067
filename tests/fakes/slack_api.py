"""A fake Slack Web API: a real aiohttp server on 127.0.0.1 that slack_sdk talks HTTP to.

Modelled on bolt-python's `tests/mock_web_api_server`, with what our tests need on top:
recorded calls with waits, failures on demand, Slack's posting pace, `response_url`s with
their 5-uses limit, and the Block Kit limits Slack enforces (so an oversized message fails
here as it would in Slack, instead of passing silently).

    async with FakeSlack() as fake:
        client = AsyncWebClient(token="xoxb-test", base_url=fake.api_url)
        await client.chat_postMessage(channel="C123", text="hi")
        assert fake.calls_to("chat.postMessage")[0]["text"] == "hi"

Times (`Call.at`) are `time.monotonic()` seconds, so tests can measure the spacing of calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import re
import socket
import time
from collections import defaultdict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from aiohttp import web

from .signing import API_APP_ID, BOT_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID

__all__ = ["UPLOAD", "Call", "FakeSlack", "UploadedFile", "block_kit_errors", "modal_errors"]

JSON = dict[str, Any]
Handler = Callable[[JSON], JSON]

# Arguments that slack_sdk (or a form post) may send as a JSON string; the fake decodes them so
# tests always read `args["blocks"]` as a list, whichever encoding the client chose.
_JSON_ARGS = ("blocks", "attachments", "view", "unfurls", "metadata", "user_auth_blocks", "files")
# files.completeUploadExternal's `channel_id` "must match regex pattern: ^[CGDZ][A-Z0-9]{8,}$"
# (Slack's answer to a user id there, slackapi/bolt-js#2115): a user id is refused, a DM's D… id taken.
_UPLOAD_CHANNEL = re.compile(r"^[CGDZ][A-Z0-9]{8,}$")
UPLOAD = "upload_url"  # how the POST of a file's bytes is recorded in `calls` (it is no Web API method)
_RESPONSE_URL_MAX_USES = 5
_RESPONSE_URL_WINDOW = 30 * 60.0


@dataclass
class Call:
    """One request to the fake Web API, recorded when it arrived."""

    method: str
    args: JSON
    headers: dict[str, str]
    at: float
    # Filled in once the fake has answered: the HTTP status and Slack's `error` (None if ok).
    status: int | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.error is None


@dataclass
class UploadedFile:
    """A file on its way through Slack's three upload steps, and where it was shared."""

    id: str
    filename: str
    length: int
    alt_txt: str | None
    content: bytes | None = None  # the bytes POSTed to the upload URL (None until then)
    title: str | None = None
    channel_id: str | None = None  # set by files.completeUploadExternal
    thread_ts: str | None = None
    initial_comment: str | None = None

    @property
    def shared(self) -> bool:
        return self.channel_id is not None


@dataclass
class _Failure:
    status: int
    error: str
    retry_after: int | None
    times: int


@dataclass
class _ResponseUrl:
    accepted: list[JSON] = field(default_factory=list)
    used_at: deque[float] = field(default_factory=deque)
    refused: int = 0


class FakeSlack:
    """The fake Slack Web API and response_url endpoint. One instance per test."""

    def __init__(self, *, latency: float = 0.0) -> None:
        self.latency = latency  # seconds added before every answer
        self.calls: list[Call] = []
        # Slack users the fake knows: id -> {"email", "name", optional "real_name", "tz", "is_bot", ...}
        self.users: dict[str, JSON] = {}
        # Channels of the workspace: id -> {"name", optional "is_private", "is_member", "is_archived"}
        # (conversations.list answers from these).
        self.channels: dict[str, JSON] = {}
        self.invalid_tokens: set[str] = set()  # answered with invalid_auth
        self.refused = 0  # posts refused by enforce_rate
        self.validate_blocks = True  # refuse messages/views that break Block Kit limits, as Slack does
        # When set, views.open/push refuse a trigger_id older than this (Slack: 3 s). Only ids made
        # by signing.new_trigger_id carry their creation time; others are accepted.
        self.trigger_ttl: float | None = None
        # Last known state of each message posted or updated through the fake, or said by a user in a
        # journey (`user_says`): (channel, ts) -> message.
        self.messages: dict[tuple[str, str], JSON] = {}
        # Ephemerals Slack accepted but never showed: chat.postEphemeral's `thread_ts` named no
        # existing thread. The `fake_slack` fixture fails the test when any are left here.
        self.unseen: list[JSON] = []
        # Files by id, from files.getUploadURLExternal on (UploadedFile says how far each got).
        self.files: dict[str, UploadedFile] = {}
        # Channels the bot was never invited to: chat:write.public lets it post there, but
        # files.completeUploadExternal answers not_in_channel (it "requires real channel membership",
        # getnao/nao#1372, uploading charts with files.uploadV2 into a channel the bot is not in).
        self.not_member_of: set[str] = set()
        self._file_counter = 0
        # Who is in which channel (`users.conversations` answers from it): channel id -> user ids.
        self.channel_members: dict[str, set[str]] = defaultdict(set)
        # The Home tab each user was last published (`views.publish`): user id -> view.
        self.home_views: dict[str, JSON] = {}
        self._handlers: dict[str, Handler] = {}
        self._overrides: dict[str, Handler] = {}
        self._failures: dict[str, deque[_Failure]] = defaultdict(deque)
        self._rates: dict[str, float] = {}
        self._last_accepted: dict[tuple[str, str], float] = {}
        self._responses: dict[str, _ResponseUrl] = defaultdict(_ResponseUrl)
        self._ts_counter = 0
        self._view_counter = 0
        self._runner: web.AppRunner | None = None
        self.port: int | None = None
        self._register_handlers()

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> FakeSlack:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{key}", self._response_url)
        app.router.add_post("/upload/v1/{file_id}", self._upload)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        # Bind the socket ourselves: port 0 gives a free port with no pick-then-bind race.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("FakeSlack is not started: use `async with FakeSlack() as fake`")
        return f"http://127.0.0.1:{self.port}/"

    @property
    def api_url(self) -> str:
        """What SLACK_API_URL / AsyncWebClient(base_url=...) is set to."""
        return self.base_url + "api/"

    # ------------------------------------------------------------------ test controls

    def reset(self) -> None:
        """Forget what happened: calls, responses, refusals, messages, queued failures, pace state.

        Configuration stays: users, invalid_tokens, enforce_rate, set_response, latency.
        """
        self.calls.clear()
        self.refused = 0
        self.messages.clear()
        self.unseen.clear()
        self.files.clear()
        self._failures.clear()
        self._last_accepted.clear()
        self._responses.clear()

    def fail_next(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls to `method` fail.

        status=429: HTTP 429, `Retry-After: retry_after` (default 1), `{"ok": false, "error": "ratelimited"}`.
        status=200 with error="channel_not_found": Slack's usual `{"ok": false, "error": ...}`.
        status=500 (or any 5xx): a server error with `error` (default "internal_error").
        """
        if status == 429:
            error = error or "ratelimited"
            retry_after = 1 if retry_after is None else retry_after
        elif status >= 500:
            error = error or "internal_error"
        elif error is None:
            raise ValueError("fail_next with status 200 needs an error, e.g. error='channel_not_found'")
        self._failures[method].append(_Failure(status, error, retry_after, times))

    def enforce_rate(self, method: str = "chat.postMessage", *, per_channel_per_second: float = 1.0) -> None:
        """Refuse (429, Retry-After) a call to a channel that comes sooner than 1/rate s after the
        previous accepted one to that channel: Slack's ~1 message a second per channel."""
        self._rates[method] = per_channel_per_second

    def set_response(self, method: str, answer: JSON | Handler) -> None:
        """Answer `method` with a fixed body or `answer(args)` (adds methods the fake lacks)."""
        self._overrides[method] = answer if callable(answer) else (lambda _args, body=answer: dict(body))

    def user_says(self, text: str, *, channel: str = "C123", user: str = "U123", thread_ts: str | None = None) -> JSON:
        """A message a person posted (for a journey: Slack then sends its event); the message as
        Slack keeps it, with its new `ts`. A reply (`thread_ts`) makes that thread exist."""
        ts = self._next_ts()
        message: JSON = {"type": "message", "user": user, "team": TEAM_ID, "text": text, "ts": ts}
        if thread_ts:
            message["thread_ts"] = thread_ts
        self.messages[(channel, ts)] = message
        return message

    def thread_exists(self, channel: str, thread_ts: str) -> bool:
        """Whether a message in `channel` has replies under `thread_ts` (Slack's "active thread")."""
        return any(
            c == channel and ts != thread_ts and m.get("thread_ts") == thread_ts for (c, ts), m in self.messages.items()
        )

    # ------------------------------------------------------------------ inspection

    def calls_to(self, method: str, *, ok: bool | None = None) -> list[JSON]:
        """The args of every call to `method` (only accepted ones with ok=True, refused with ok=False)."""
        return [c.args for c in self._matching(method, ok)]

    def count(self, method: str, *, ok: bool | None = None) -> int:
        return len(self._matching(method, ok))

    async def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 (a plain timeout reads best in tests)
        *,
        ok: bool | None = None,
    ) -> list[JSON]:
        """Wait until at least `count` calls to `method` arrived (ok=True: were accepted); their args."""
        if await self._poll(lambda: self.count(method, ok=ok) >= count, timeout):
            return self.calls_to(method, ok=ok)
        seen = [f"{c.method}({c.status}{', ' + c.error if c.error else ''})" for c in self.calls]
        raise AssertionError(
            f"expected {count} call(s) to {method}{'' if ok is None else f' with ok={ok}'} within "
            f"{timeout}s, got {self.count(method, ok=ok)}; all calls: {seen or 'none'}"
        )

    def response_url(self, key: str = "default") -> str:
        """A response_url on this server; what the bot posts there is kept under `key`."""
        return f"{self.base_url}response/{key}"

    def responses(self, key: str = "default") -> list[JSON]:
        """The accepted JSON bodies posted to `response_url(key)`, in order."""
        return list(self._responses[key].accepted)

    def response_refusals(self, key: str = "default") -> int:
        """How many posts to `response_url(key)` were refused with used_url (6th use and later)."""
        return self._responses[key].refused

    async def wait_for_response(
        self,
        key: str = "default",
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 (as wait_for)
    ) -> list[JSON]:
        if await self._poll(lambda: len(self._responses[key].accepted) >= count, timeout):
            return self.responses(key)
        raise AssertionError(
            f"expected {count} post(s) to response_url {key!r} within {timeout}s, got "
            f"{len(self._responses[key].accepted)}; keys with posts: "
            f"{ {k: len(v.accepted) for k, v in self._responses.items() if v.accepted} }"
        )

    def _matching(self, method: str, ok: bool | None) -> list[Call]:
        return [c for c in self.calls if c.method == method and (ok is None or c.ok == ok)]

    @staticmethod
    async def _poll(done: Callable[[], bool], within: float) -> bool:
        # Polling (not an asyncio.Event) keeps this correct when the bot calls the fake from
        # another thread or loop, e.g. Bolt's sync client in a worker thread.
        deadline = time.monotonic() + within
        while not done():
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.01)
        return True

    # ------------------------------------------------------------------ HTTP: Web API

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _read_args(request)
        headers = dict(request.headers)
        call = Call(method=method, args=args, headers=headers, at=time.monotonic())
        self.calls.append(call)
        if self.latency:
            await asyncio.sleep(self.latency)
        status, body, extra_headers = self._answer(method, args, headers.get("Authorization", ""))
        call.status, call.error = status, None if body.get("ok") else str(body.get("error"))
        return web.json_response(body, status=status, headers=extra_headers)

    def _answer(self, method: str, args: JSON, authorization: str) -> tuple[int, JSON, dict[str, str]]:
        token = authorization.removeprefix("Bearer ").strip() or str(args.get("token") or "")
        if token == "xoxb-429":  # bolt-python's mock server convention: this token is always limited
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}
        if not token:
            return 200, {"ok": False, "error": "not_authed"}, {}
        if token in self.invalid_tokens:
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        if self._failures.get(method):
            failure = self._failures[method][0]
            failure.times -= 1
            if failure.times <= 0:
                self._failures[method].popleft()
            hdrs = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            return failure.status, {"ok": False, "error": failure.error}, hdrs
        rate = self._rates.get(method)
        pace_key = (method, str(args.get("channel", "")))
        now = time.monotonic()
        if rate and pace_key in self._last_accepted:
            wait = 1.0 / rate - (now - self._last_accepted[pace_key])
            if wait > 0:
                self.refused += 1
                return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(max(1, math.ceil(wait)))}
        handler = self._overrides.get(method) or self._handlers.get(method)
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        body = handler(args)
        if body.get("ok") and rate:
            self._last_accepted[pace_key] = now
        return 200, body, {}

    # ------------------------------------------------------------------ HTTP: the upload URL

    async def _upload(self, request: web.Request) -> web.Response:
        """Step 2 of an upload: the bytes, POSTed to the URL files.getUploadURLExternal gave.

        "Files can be sent as raw bytes or can be multipart form encoded. Slack will return HTTP 200
        if the upload is successful; non-200 codes indicate failure" (files.getUploadURLExternal,
        "Usage info"). The fake refuses a URL it did not give, a second upload, and bytes whose size
        is not the `length` announced in step 1.
        """
        file_id = request.match_info["file_id"]
        if request.content_type == "multipart/form-data":
            form = await request.post()
            part = next((v for v in form.values() if isinstance(v, web.FileField)), None)
            content = part.file.read() if part is not None else b""
        else:
            content = await request.read()
        call = Call(
            method=UPLOAD,
            args={"file_id": file_id, "size": len(content)},
            headers=dict(request.headers),
            at=time.monotonic(),
        )
        self.calls.append(call)
        if self.latency:
            await asyncio.sleep(self.latency)
        upload = self.files.get(file_id)
        if upload is None or upload.content is not None:
            call.status, call.error = 404, "upload_url_unknown"
            return web.Response(status=404, text="unknown upload URL")
        if len(content) != upload.length:
            call.status, call.error = 400, "length_mismatch"
            return web.Response(status=400, text=f"expected {upload.length} bytes, got {len(content)}")
        upload.content = content
        call.status = 200
        return web.Response(text=f"OK - {len(content)}")

    # ------------------------------------------------------------------ HTTP: response_url

    async def _response_url(self, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        if self.latency:
            await asyncio.sleep(self.latency)
        state = self._responses[key]
        now = time.monotonic()
        while state.used_at and now - state.used_at[0] > _RESPONSE_URL_WINDOW:
            state.used_at.popleft()
        if len(state.used_at) >= _RESPONSE_URL_MAX_USES:
            state.refused += 1
            return web.json_response({"ok": False, "error": "used_url"}, status=404)
        try:
            body = json.loads(await request.read())
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return web.json_response({"ok": False, "error": "invalid_payload"}, status=400)
        if body.get("response_type") not in (None, "ephemeral", "in_channel"):
            return web.json_response({"ok": False, "error": "invalid_response_type"}, status=400)
        if not body.get("delete_original") and not any(body.get(k) for k in ("text", "blocks", "attachments")):
            return web.json_response({"ok": False, "error": "no_text"}, status=400)
        if self.validate_blocks and (errors := block_kit_errors(body.get("blocks"), max_blocks=50)):
            return web.json_response(
                {"ok": False, "error": "invalid_blocks", "response_metadata": {"messages": errors}}, status=400
            )
        state.used_at.append(now)
        state.accepted.append(body)
        return web.json_response({"ok": True})

    # ------------------------------------------------------------------ the Web API methods

    def _register_handlers(self) -> None:
        self._handlers = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.delete": self._chat_delete,
            "chat.unfurl": self._chat_unfurl,
            "views.open": self._views_open,
            "views.push": self._views_open,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "users.conversations": self._users_conversations,
            "users.info": self._users_info,
            "users.lookupByEmail": self._users_lookup_by_email,
            "conversations.open": self._conversations_open,
            "conversations.list": self._conversations_list,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
        }

    def _next_ts(self) -> str:
        # Increasing like Slack's: 1700000000.000100, 1700000000.000200, ...
        self._ts_counter += 1
        micros = self._ts_counter * 100
        return f"{1_700_000_000 + micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _message_errors(self, args: JSON) -> JSON | None:
        if not args.get("channel"):
            return _error("channel_not_found")
        if not any(args.get(k) for k in ("text", "blocks", "attachments")):
            return _error("no_text")
        if len(str(args.get("text") or "")) > 40_000:
            return _error("msg_too_long")
        if self.validate_blocks and (errors := block_kit_errors(args.get("blocks"), max_blocks=50)):
            return _error("invalid_blocks", errors)
        return None

    def _message(self, args: JSON, ts: str) -> JSON:
        message: JSON = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": API_APP_ID,
            "team": TEAM_ID,
            "text": args.get("text") or "",
            "ts": ts,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if args.get(key):
                message[key] = args[key]
        return message

    def _auth_test(self, args: JSON) -> JSON:
        return {
            "ok": True,
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": "Acme",
            "user": "sentry-bot",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, args: JSON) -> JSON:
        if err := self._message_errors(args):
            return err
        # chat.postMessage's errors (docs.slack.dev/reference/methods/chat.postMessage): an archived
        # channel is `is_archived`; a private channel the bot is not in is invisible to it,
        # `channel_not_found`. Channels the fake was not told about are accepted.
        known = self.channels.get(str(args.get("channel")))
        if known is not None and known.get("is_archived"):
            return _error("is_archived")
        if known is not None and known.get("is_private") and not known.get("is_member"):
            return _error("channel_not_found")
        ts = self._next_ts()
        channel = str(args["channel"])
        message = self._message(args, ts)
        self.messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _chat_update(self, args: JSON) -> JSON:
        if not args.get("ts"):
            return _error("message_not_found")
        if err := self._message_errors(args):
            return err
        channel, ts = str(args["channel"]), str(args["ts"])
        before = self.messages.get((channel, ts), {})
        message = self._message(args, ts)
        # The update changes the content; the message stays where it was (its thread). Metadata is
        # replaced when given and kept when not: Slack reports the replacement as
        # message_metadata_updated with `previous_metadata` (api.slack.com/events/message_metadata_updated).
        for key in ("thread_ts", "metadata"):
            if key in before and key not in message:
                message[key] = before[key]
        self.messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "text": message["text"], "message": message}

    def _chat_post_ephemeral(self, args: JSON) -> JSON:
        if not args.get("user"):
            return _error("invalid_arguments", ["[ERROR] missing required field: user"])
        if err := self._message_errors(args):
            return err
        thread = args.get("thread_ts")
        if thread and not self.thread_exists(str(args["channel"]), str(thread)):
            # "Ephemeral messages in threads are only shown if there is already an active thread"
            # (api.slack.com/methods/chat.postEphemeral, `thread_ts`): Slack answers ok, nobody sees it.
            self.unseen.append(args)
        return {"ok": True, "message_ts": self._next_ts()}

    def _chat_delete(self, args: JSON) -> JSON:
        if not args.get("channel"):
            return _error("channel_not_found")
        if not args.get("ts"):
            return _error("message_not_found")
        self.messages.pop((str(args["channel"]), str(args["ts"])), None)
        return {"ok": True, "channel": args["channel"], "ts": args["ts"]}

    def _chat_unfurl(self, args: JSON) -> JSON:
        has_target = (args.get("channel") and args.get("ts")) or (args.get("unfurl_id") and args.get("source"))
        # A link in the composer is in no channel: Slack's event says `channel: COMPOSER`, and only
        # unfurl_id + source can name it (docs.slack.dev/changelog/2021-08-changes-to-unfurls).
        if not has_target or (args.get("channel") == "COMPOSER" and not args.get("unfurl_id")):
            return _error("invalid_arguments", ["[ERROR] channel and ts (or unfurl_id and source) are required"])
        unfurls = args.get("unfurls")
        if not isinstance(unfurls, dict) or not unfurls:
            return _error("invalid_unfurls_format")
        if self.validate_blocks:
            errors = [e for u in unfurls.values() for e in block_kit_errors(u.get("blocks"), max_blocks=50)]
            if errors:
                return _error("invalid_unfurls_format", errors)
        return {"ok": True}

    def _trigger_expired(self, trigger_id: str) -> bool:
        if self.trigger_ttl is None:
            return False
        head = trigger_id.split(".", 1)[0]
        # Only ids from signing.new_trigger_id start with a millisecond epoch (13 digits).
        if not (head.isdigit() and len(head) == 13):
            return False
        return time.time() - int(head) / 1000 > self.trigger_ttl

    def _views_open(self, args: JSON) -> JSON:
        trigger_id = str(args.get("trigger_id") or args.get("interactivity_pointer") or "")
        if not trigger_id:
            return _error("invalid_arguments", ["[ERROR] missing required field: trigger_id"])
        if self._trigger_expired(trigger_id):
            return _error("expired_trigger_id")
        return self._view_answer(args, view_id=None)

    def _views_update(self, args: JSON) -> JSON:
        if not (args.get("view_id") or args.get("external_id")):
            return _error("invalid_arguments", ["[ERROR] view_id or external_id is required"])
        return self._view_answer(args, view_id=str(args.get("view_id") or "") or None)

    def _view_answer(self, args: JSON, view_id: str | None) -> JSON:
        view = args.get("view")
        if not isinstance(view, dict):
            return _error("invalid_arguments", ["[ERROR] missing required field: view"])
        if self.validate_blocks and (errors := modal_errors(view)):
            return _error("invalid_arguments", errors)
        if view_id is None:
            self._view_counter += 1
            view_id = f"V{self._view_counter:010d}"
        full = {
            "id": view_id,
            "team_id": TEAM_ID,
            "type": view.get("type", "modal"),
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            "state": {"values": {}},
            "hash": f"1700000000.{view_id.lower()}",
            "clear_on_close": False,
            "notify_on_close": False,
            "root_view_id": view_id,
            "previous_view_id": None,
            "app_id": API_APP_ID,
            "app_installed_team_id": TEAM_ID,
            "bot_id": BOT_ID,
            **view,
        }
        return {"ok": True, "view": full}

    def _views_publish(self, args: JSON) -> JSON:
        # docs.slack.dev/reference/methods/views.publish: `user_id` and a `view` of type "home" (the
        # only surface it publishes to), held to the Home tab's 100 blocks; the answer is the view.
        user_id = str(args.get("user_id") or "")
        view = args.get("view")
        if not user_id:
            return _error("invalid_arguments", ["[ERROR] missing required field: user_id"])
        if not isinstance(view, dict) or view.get("type") != "home":
            return _error("invalid_arguments", ["[ERROR] must be home [json-pointer:/view/type]"])
        if self.validate_blocks and (errors := block_kit_errors(view.get("blocks"), max_blocks=100)):
            return _error("invalid_arguments", errors)
        answer = self._view_answer(args, view_id=None)
        self.home_views[user_id] = view
        return answer

    def _users_conversations(self, args: JSON) -> JSON:
        # docs.slack.dev/reference/methods/users.conversations: the channels `user` is in, paged by
        # `limit` (max 999) and `response_metadata.next_cursor` ("" on the last page); "We omit the
        # is_member and num_members fields"; an unknown user is `user_not_found`.
        user_id = str(args.get("user") or "")
        if user_id and user_id not in self.users:
            return _error("user_not_found")
        limit = int(args.get("limit") or 100)
        if not 1 <= limit <= 999:
            return _error("invalid_limit")
        ids = sorted(c for c, members in self.channel_members.items() if user_id in members)
        start = int(args.get("cursor") or 0)
        page = ids[start : start + limit]
        following = str(start + limit) if start + limit < len(ids) else ""
        channels = [{"id": c, "name": c.lower(), "is_channel": True, "is_private": False} for c in page]
        return {"ok": True, "channels": channels, "response_metadata": {"next_cursor": following}}

    def _user(self, user_id: str) -> JSON:
        info = self.users[user_id]
        name = str(info.get("name") or user_id.lower())
        real_name = str(info.get("real_name") or name.title())
        return {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name,
            "deleted": bool(info.get("deleted", False)),
            "real_name": real_name,
            "tz": info.get("tz", "Europe/Berlin"),
            "tz_offset": info.get("tz_offset", 3600),
            "is_admin": bool(info.get("is_admin", False)),
            "is_bot": bool(info.get("is_bot", False)),
            "is_app_user": False,
            "profile": {
                "email": info.get("email"),
                "display_name": info.get("display_name", name),
                "real_name": real_name,
                "team": TEAM_ID,
            },
        }

    def _users_info(self, args: JSON) -> JSON:
        user_id = str(args.get("user") or "")
        if user_id not in self.users:
            return _error("user_not_found")
        return {"ok": True, "user": self._user(user_id)}

    def _users_lookup_by_email(self, args: JSON) -> JSON:
        email = str(args.get("email") or "").lower()
        for user_id, info in self.users.items():
            if str(info.get("email") or "").lower() == email and email:
                return {"ok": True, "user": self._user(user_id)}
        return _error("users_not_found")

    def _conversations_open(self, args: JSON) -> JSON:
        if args.get("channel"):
            return {"ok": True, "channel": {"id": args["channel"]}}
        users = [u for u in str(args.get("users") or "").split(",") if u]
        if not users:
            return _error("users_list_not_supplied")
        # A DM's id is stable per user set, as in Slack.
        return {"ok": True, "channel": {"id": "D" + "".join(u.lstrip("UW") for u in sorted(users))}}

    def _conversations_list(self, args: JSON) -> JSON:
        """docs.slack.dev/reference/methods/conversations.list: `types` (default public_channel),
        `exclude_archived`, `limit` (at most 1000) and `cursor`; `response_metadata.next_cursor` is empty
        on the last page. A bot token sees every public channel and only the private ones it is in;
        a cursor Slack did not hand out is `invalid_cursor`."""
        types = set(str(args.get("types") or "public_channel").split(","))
        exclude_archived = str(args.get("exclude_archived", "false")).lower() in ("true", "1")
        seen = [
            {"id": cid, "is_channel": True, "is_private": False, "is_member": False, "is_archived": False, **info}
            for cid, info in sorted(self.channels.items())
        ]
        seen = [
            c
            for c in seen
            if ("private_channel" if c["is_private"] else "public_channel") in types
            and (c["is_member"] or not c["is_private"])
            and not (exclude_archived and c["is_archived"])
        ]
        limit = max(1, min(int(args.get("limit") or 100), 1000))
        cursor = str(args.get("cursor") or "")
        if cursor and not cursor.startswith("page:"):
            return _error("invalid_cursor")
        start = int(cursor.removeprefix("page:") or 0) if cursor else 0
        page = seen[start : start + limit]
        more = start + limit < len(seen)
        return {
            "ok": True,
            "channels": page,
            "response_metadata": {"next_cursor": f"page:{start + limit}" if more else ""},
        }

    # conversations.history / .replies answer from the messages kept, as the alert worker reads
    # them (channels:history scope) to find a post an interrupted attempt may have made. The ts
    # count up from 1700000000, not from the clock, so `oldest` (a clock time the worker computes)
    # cannot be compared with them: every message is answered, in one page.

    def _conversations_history(self, args: JSON) -> JSON:
        channel = str(args.get("channel"))
        found = [_shown(args, m) for (c, _ts), m in self.messages.items() if c == channel and not m.get("thread_ts")]
        found.sort(key=lambda m: -float(m["ts"]))  # newest first, as Slack answers
        return {"ok": True, "messages": found, "has_more": False}

    def _conversations_replies(self, args: JSON) -> JSON:
        channel, parent = str(args.get("channel")), str(args.get("ts"))
        thread = [
            _shown(args, m)
            for (c, ts), m in self.messages.items()
            if c == channel and (ts == parent or m.get("thread_ts") == parent)
        ]
        thread.sort(key=lambda m: float(m["ts"]))
        return {"ok": True, "messages": thread, "has_more": False}

    # Files: docs.slack.dev/reference/methods/files.getUploadURLExternal and
    # .../files.completeUploadExternal; slack_sdk's files_upload_v2 calls the two around the POST.

    def _files_get_upload_url(self, args: JSON) -> JSON:
        """Step 1: `filename` and `length` are required; "missing_argument ... typically only occurs
        when the `length` provided is 0"; an alt_txt over 1,000 characters is alt_txt_too_large."""
        filename = str(args.get("filename") or "")
        try:
            length = int(str(args.get("length") or "0"))
        except ValueError:
            return _error("invalid_arguments", ["[ERROR] must be an integer [json-pointer:/length]"])
        if not filename or length <= 0:
            return _error("missing_argument")
        alt = args.get("alt_txt")
        if alt is not None and len(str(alt)) > 1000:
            return _error("alt_txt_too_large")
        self._file_counter += 1
        file_id = f"F{self._file_counter:010d}"
        self.files[file_id] = UploadedFile(file_id, filename, length, None if alt is None else str(alt))
        return {"ok": True, "upload_url": f"{self.base_url}upload/v1/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, args: JSON) -> JSON:
        """Step 3: share the uploaded `files` (id, optional title) into `channel_id` (a thread with
        `thread_ts`). "If this method is not called, the uploaded file ... will be discarded" and it
        "can only be called once": an id the fake never gave, whose bytes never came, or that was
        already completed is refused (the error's name is the fake's: Slack documents none for it)."""
        files = args.get("files")
        if not isinstance(files, list) or not files:
            return _error("invalid_arguments", ["[ERROR] missing required field: files"])
        channel = args.get("channel_id")
        if channel is not None and not _UPLOAD_CHANNEL.match(str(channel)):
            return _error(
                "invalid_arguments",
                ["[ERROR] input must match regex pattern: ^[CGDZ][A-Z0-9]{8,}$ [json-pointer:/channel_id]"],
            )
        if channel in self.not_member_of:
            return _error("not_in_channel")
        uploads = [self.files.get(str(f.get("id"))) if isinstance(f, dict) else None for f in files]
        if any(u is None or u.content is None or u.shared for u in uploads):
            return _error("file_not_found")
        shared = []
        for upload, entry in zip(uploads, files, strict=True):
            assert upload is not None
            upload.title = str(entry.get("title") or upload.filename)
            upload.channel_id = str(channel) if channel else ""
            upload.thread_ts = str(args["thread_ts"]) if args.get("thread_ts") else None
            upload.initial_comment = str(args["initial_comment"]) if args.get("initial_comment") else None
            shared.append({"id": upload.id, "title": upload.title})
        return {"ok": True, "files": shared}

    def shared_files(self, channel: str | None = None) -> list[UploadedFile]:
        """Files that went through all three steps (into `channel`, if given), in upload order."""
        return [f for f in self.files.values() if f.shared and (channel is None or f.channel_id == channel)]


# ---------------------------------------------------------------------- helpers


def _shown(args: JSON, message: JSON) -> JSON:
    """A kept message as history shows it: its metadata only when asked for."""
    if args.get("include_all_metadata") in (True, "true", "1", 1):
        return message
    return {k: v for k, v in message.items() if k != "metadata"}


def _error(error: str, messages: list[str] | None = None) -> JSON:
    body: JSON = {"ok": False, "error": error}
    if messages:
        body["response_metadata"] = {"messages": messages}
    return body


async def _read_args(request: web.Request) -> JSON:
    """Query string plus body, whichever way slack_sdk encoded it (JSON, urlencoded, multipart)."""
    args: JSON = dict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            with contextlib.suppress(ValueError):
                body = await request.json()
                if isinstance(body, dict):
                    args.update(body)
        else:
            form = await request.post()
            for key, value in form.items():
                # Uploaded files are recorded by name and size, not content.
                is_file = isinstance(value, web.FileField)
                args[key] = {"filename": value.filename, "size": len(value.file.read())} if is_file else value
    for key in _JSON_ARGS:
        if isinstance(args.get(key), str):
            with contextlib.suppress(ValueError):
                args[key] = json.loads(args[key])
    return args


# ---------------------------------------------------------------------- Block Kit limits
# The limits Slack enforces (DESIGN.md §3); messages say where, like Slack's own
# `[ERROR] ... [json-pointer:/blocks/0/text/text]`.


def _text_len(obj: Any) -> int:
    return len(obj.get("text", "")) if isinstance(obj, dict) else 0


def block_kit_errors(blocks: Any, *, max_blocks: int = 50) -> list[str]:
    """Slack-style error messages for blocks that break Block Kit limits (empty list when fine)."""
    if blocks is None:
        return []
    if not isinstance(blocks, list):
        return ["[ERROR] must be an array [json-pointer:/blocks]"]
    errors: list[str] = []

    def over(path: str, value: int, limit: int, what: str = "characters") -> None:
        if value > limit:
            errors.append(f"[ERROR] must be no more than {limit} {what} [json-pointer:{path}]")

    over("/blocks", len(blocks), max_blocks, "items")
    for i, block in enumerate(blocks):
        p = f"/blocks/{i}"
        if not isinstance(block, dict) or "type" not in block:
            errors.append(f"[ERROR] missing required field: type [json-pointer:{p}]")
            continue
        over(f"{p}/block_id", len(str(block.get("block_id", ""))), 255)
        kind = block["type"]
        if kind == "section":
            over(f"{p}/text/text", _text_len(block.get("text")), 3000)
            fields = block.get("fields") or []
            over(f"{p}/fields", len(fields), 10, "items")
            for j, f in enumerate(fields):
                over(f"{p}/fields/{j}/text", _text_len(f), 2000)
            if not block.get("text") and not fields:
                errors.append(f"[ERROR] must provide text or fields [json-pointer:{p}]")
            if isinstance(block.get("accessory"), dict):
                _element_errors(block["accessory"], f"{p}/accessory", over)
        elif kind == "header":
            over(f"{p}/text/text", _text_len(block.get("text")), 150)
        elif kind == "context":
            over(f"{p}/elements", len(block.get("elements") or []), 10, "items")
        elif kind == "actions":
            elements = block.get("elements") or []
            over(f"{p}/elements", len(elements), 25, "items")
            for j, element in enumerate(elements):
                _element_errors(element, f"{p}/elements/{j}", over)
        elif kind == "input" and isinstance(block.get("element"), dict):
            _element_errors(block["element"], f"{p}/element", over)
    return errors


def _element_errors(element: Any, path: str, over: Callable[..., None]) -> None:
    if not isinstance(element, dict):
        return
    over(f"{path}/action_id", len(str(element.get("action_id", ""))), 255)
    if element.get("type") == "button":
        over(f"{path}/text/text", _text_len(element.get("text")), 75)
        over(f"{path}/value", len(str(element.get("value", ""))), 2000)
    for j, option in enumerate(element.get("options") or []):
        if isinstance(option, dict):
            over(f"{path}/options/{j}/value", len(str(option.get("value", ""))), 150)


def modal_errors(view: Mapping[str, Any]) -> list[str]:
    """Block Kit limits of a modal: 100 blocks, title 24 characters, private_metadata 3000."""
    errors = block_kit_errors(view.get("blocks"), max_blocks=100)
    if _text_len(view.get("title")) > 24:
        errors.append("[ERROR] must be no more than 24 characters [json-pointer:/view/title/text]")
    if len(str(view.get("private_metadata", ""))) > 3000:
        errors.append("[ERROR] must be no more than 3000 characters [json-pointer:/view/private_metadata]")
    return errors
