"""`POST /sentry/webhook`: verify a Sentry delivery, store it in the outbox, answer 2xx.

Two kinds of delivery arrive here (DESIGN.md §3):
- service hooks: `X-ServiceHook-GUID` names the hook, whose secret signs the body
  (stored when the bot created the hook, else `SENTRY_SERVICE_HOOK_SECRETS`);
- Sentry App webhooks: `Sentry-Hook-Resource` and `Request-ID`, signed with `SENTRY_CLIENT_SECRET`.

Answers: 413 body over 1 MiB, 401 signature missing or wrong (or no secret for it), 400 not a JSON
object (not UTF-8, `NaN`/`Infinity`, nested too deeply), an `action` that is no short word, or a body
the store refuses; 503 the database is unreachable (Sentry retries 5xx, never 4xx: a 5xx for a bad
body would bring the same body back again and again), else 200, also for a delivery seen before.
The timestamp headers are not checked: Sentry does not sign them, so they prove nothing; a replayed
delivery is caught by its dedupe key instead.

    add_webhook_routes(app, settings=settings, db=db, on_stored=worker.wake)
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from typing import Any, NoReturn

import orjson
from aiohttp import web

from bot.alerts.hooks import HookSecrets
from bot.alerts.metrics import WEBHOOKS
from bot.alerts.outage import TRANSIENT
from bot.alerts.outbox import Incoming, OnStored, Outbox
from bot.alerts.parse import Source
from bot.alerts.signatures import signature_matches
from bot.settings import Settings
from bot.store import Database

__all__ = ["MAX_BODY_BYTES", "WEBHOOK_PATH", "WebhookReceiver", "add_webhook_routes", "webhook_routes"]

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/sentry/webhook"
MAX_BODY_BYTES = 1024 * 1024

# Sentry App resources the pipeline posts about; any other one is acknowledged and logged.
STORED_RESOURCES = frozenset({"issue", "event_alert", "metric_alert", "error", "comment"})

# Answers, in plain words: Sentry shows them in its webhook log.
TOO_LARGE = "The body is over 1 MiB."
NOT_SIGNED = "Missing Sentry signature headers (X-ServiceHook-* or Sentry-Hook-*)."
UNKNOWN_HOOK = "Unknown service hook {guid}: add its secret to SENTRY_SERVICE_HOOK_SECRETS."
APP_WEBHOOKS_OFF = "Sentry App webhooks are refused: SENTRY_CLIENT_SECRET is not set."
BAD_SIGNATURE = "The signature does not match the body."
NOT_JSON = "The body is not a JSON object."
NOT_UTF8 = "The body is not UTF-8 JSON."
TOO_DEEP = "The body is nested too deeply to be a Sentry webhook."
BAD_ACTION = '`action` must be a word of at most 32 characters, such as "created".'
UNSTORABLE = "The bot cannot store this body ({error}); it will refuse it again."
UNAVAILABLE = "The bot cannot store deliveries right now; retry later."

# `webhook_outbox.action` and `.hook`, `dedupe_keys.key` (bot/store/alerts.py).
_MAX_ACTION, _MAX_HOOK, _MAX_KEY = 32, 64, 200
# Text the store cannot encode: UTF-8 has no lone surrogates (aiohttp decodes header bytes that
# are not UTF-8 into them), PostgreSQL text has no NUL.
_UNSTORABLE = re.compile("[\ud800-\udfff\x00]")


class _Refused(Exception):
    def __init__(self, status: int, reason: str, outcome: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.outcome = outcome  # the metrics label


class WebhookReceiver:
    """The handler. Build it with `add_webhook_routes` or `webhook_routes`."""

    def __init__(self, *, outbox: Outbox, secrets: HookSecrets, client_secret: str | None) -> None:
        self._outbox = outbox
        self._secrets = secrets
        self._client_secret = client_secret

    async def handle(self, request: web.Request) -> web.Response:
        kind = _kind(request)
        # The one INFO line per delivery; resource and action from the headers until the body is verified.
        line: dict[str, object] = {
            "kind": kind,
            "resource": request.headers.get("Sentry-Hook-Resource", "event"),
            "action": None,
        }
        try:
            body = await _read_body(request)
            incoming = await self._verify(request, body)
        except _Refused as refused:
            return _answer(kind, line, refused.outcome, {"ok": False, "error": refused.reason}, status=refused.status)
        if incoming is None:
            return _answer(kind, line, "ignored", {"ok": True, "stored": False})
        line |= {"resource": incoming.resource, "action": incoming.action, "hook": incoming.hook}
        try:
            stored = await self._outbox.put(incoming)
        except TRANSIENT:
            log.exception("alerts.webhook.store-failed", extra={"resource": incoming.resource, "hook": incoming.hook})
            return _answer(kind, line, "unavailable", {"ok": False, "error": UNAVAILABLE}, status=503)
        except Exception as exc:
            # The store is up but refuses this body: a retry would be refused the same way.
            error = type(exc).__name__
            log.warning("alerts.webhook.unstorable", extra={"resource": incoming.resource, "error": error})
            return _answer(kind, line, "unstorable", {"ok": False, "error": UNSTORABLE.format(error=error)}, status=400)
        return _answer(kind, line, "stored" if stored else "duplicate", {"ok": True, "stored": stored})

    async def _verify(self, request: web.Request, body: bytes) -> Incoming | None:
        """The delivery to store; None for one to acknowledge only; _Refused for one to refuse."""
        headers = request.headers
        if guid := headers.get("X-ServiceHook-GUID"):
            secret = await self._secrets.get(guid)
            if secret is None:
                log.warning("alerts.webhook.unknown-hook", extra={"hook": guid})
                raise _Refused(401, UNKNOWN_HOOK.format(guid=guid), "unknown_hook")
            payload = _verified_json(secret, body, headers.get("X-ServiceHook-Signature"), hook=guid)
            event = payload["event"] if isinstance(payload.get("event"), dict) else {}
            event_id = _word(event.get("id")) or _word(event.get("eventID")) or _word(event.get("event_id"))
            key = _dedupe_key(f"hook:{guid}:{event_id}") if event_id else _body_key("hook", body)
            hook = guid if len(guid) <= _MAX_HOOK and not _UNSTORABLE.search(guid) else None
            return Incoming(Source.SERVICE_HOOK, "event", "alert", payload, dedupe_key=key, hook=hook, body=body)
        if resource := headers.get("Sentry-Hook-Resource"):
            if self._client_secret is None:
                log.warning("alerts.webhook.no-client-secret", extra={"resource": resource})
                raise _Refused(401, APP_WEBHOOKS_OFF, "no_secret")
            payload = _verified_json(self._client_secret, body, headers.get("Sentry-Hook-Signature"), hook=None)
            raw_action = payload.get("action")
            installation = payload.get("installation")
            hook = _word(installation.get("uuid"), _MAX_HOOK) if isinstance(installation, dict) else None
            if resource not in STORED_RESOURCES:
                # installation.created/deleted and resources newer than this code: nothing to post.
                log.debug("alerts.webhook.ignored", extra={"resource": resource[:_MAX_ACTION], "hook": hook})
                return None
            action = "" if raw_action in (None, "") else _word(raw_action) if isinstance(raw_action, str) else None
            if action is None:
                raise _Refused(400, BAD_ACTION, "bad_field")
            request_id = headers.get("Request-ID")
            key = _dedupe_key(f"app:{request_id}") if request_id else _body_key(f"app:{resource}", body)
            return Incoming(Source.SENTRY_APP, resource, action, payload, dedupe_key=key, hook=hook, body=body)
        raise _Refused(401, NOT_SIGNED, "bad_signature")


def _answer(
    kind: str, line: dict[str, object], outcome: str, body: dict[str, object], *, status: int = 200
) -> web.Response:
    WEBHOOKS.labels(kind, outcome).inc()
    log.info("alerts.webhook", extra=line | {"outcome": outcome, "status": status})
    return web.json_response(body, status=status)


def _kind(request: web.Request) -> str:
    """Which kind of delivery the headers announce (a metrics label)."""
    if "X-ServiceHook-GUID" in request.headers:
        return Source.SERVICE_HOOK
    return Source.SENTRY_APP if "Sentry-Hook-Resource" in request.headers else "unsigned"


async def _read_body(request: web.Request) -> bytes:
    """The raw body, refusing (413) anything over the limit, announced or not."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise _Refused(413, TOO_LARGE, "too_large")
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.read(MAX_BODY_BYTES + 1 - size):
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _Refused(413, TOO_LARGE, "too_large")
    return b"".join(chunks)


def _verified_json(secret: str, body: bytes, signature: str | None, *, hook: str | None) -> dict[str, Any]:
    if not signature_matches(secret, body, signature):
        log.warning("alerts.webhook.bad-signature", extra={"hook": hook, "signed": signature is not None})
        raise _Refused(401, BAD_SIGNATURE, "bad_signature")
    payload = _decode(body)
    if not isinstance(payload, dict):
        raise _Refused(400, NOT_JSON, "bad_json")
    return payload


def _decode(body: bytes) -> Any:
    """The body's JSON (RFC 8259: UTF-8, no NaN or Infinity), or _Refused saying what it is not."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        pass
    # What orjson refuses may still be JSON (bot/jsoncodec.py): lone surrogate escapes, numbers
    # beyond a double, nesting past 1024. Python's json reads those, but also UTF-16 and the
    # constants NaN and Infinity, which are not JSON and which PostgreSQL's JSON column refuses.
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_not_json)
    except UnicodeDecodeError:
        raise _Refused(400, NOT_UTF8, "bad_json") from None
    except RecursionError:
        raise _Refused(400, TOO_DEEP, "bad_json") from None
    except ValueError:
        raise _Refused(400, NOT_JSON, "bad_json") from None


def _not_json(constant: str) -> NoReturn:
    raise ValueError(f"{constant} is not JSON")


def _word(value: Any, limit: int = _MAX_ACTION) -> str | None:
    """A short id or word from the payload, as a string; None for anything else."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = value if isinstance(value, str) else str(value) if abs(value) < 10**limit else ""
    if not text or len(text) > limit or _UNSTORABLE.search(text):
        return None
    return text


def _dedupe_key(key: str) -> str:
    """`key`, or its digest when the store could not hold it (too long, unencodable)."""
    if len(key) <= _MAX_KEY and not _UNSTORABLE.search(key):
        return key
    return f"sha256:{hashlib.sha256(key.encode('utf-8', 'surrogatepass')).hexdigest()}"


def _body_key(prefix: str, body: bytes) -> str:
    """A dedupe key for a delivery that carries no id of its own: the same bytes are the same delivery."""
    return _dedupe_key(f"{prefix}:sha256:{hashlib.sha256(body).hexdigest()}")


def webhook_routes(*, settings: Settings, db: Database, on_stored: OnStored | None = None) -> list[web.RouteDef]:
    """The `POST /sentry/webhook` route, for `app.add_routes(...)`.

    Args:
        settings: supplies SENTRY_CLIENT_SECRET and SENTRY_SERVICE_HOOK_SECRETS.
        db: where deliveries (and the secrets of hooks the bot created) are kept.
        on_stored: called after each commit that stored deliveries, e.g. `worker.wake`.
    """
    client_secret = settings.sentry_client_secret
    receiver = WebhookReceiver(
        outbox=Outbox(db, on_stored=on_stored),
        secrets=HookSecrets(db, configured=settings.sentry_service_hook_secrets),
        client_secret=client_secret.get_secret_value() if client_secret else None,
    )
    return [web.post(WEBHOOK_PATH, receiver.handle)]


def add_webhook_routes(
    app: web.Application, *, settings: Settings, db: Database, on_stored: OnStored | None = None
) -> None:
    """Mount `POST /sentry/webhook` on `app` (next to Bolt's `/slack/events`); see `webhook_routes`."""
    app.add_routes(webhook_routes(settings=settings, db=db, on_stored=on_stored))
