"""With SENTRY_DSN set the bot reports its own errors and traces, with no secret and no text in them.

The DSN's host is a local HTTP server standing in for Sentry's ingestion: it keeps every envelope
the SDK posts to `/api/<project>/envelope/` (sentry-sdk's transport, gzip-encoded).
"""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import sentry_sdk
from pydantic import SecretStr

from bot.selfmonitor import Scrubber, self_monitoring
from bot.sentry.client import SentryClient
from bot.settings import Settings
from tests.scenarios.conftest import SIGNING_SECRET

PASTED_SECRET = "f3a9c1d2-splunk-hec-7b6e"
FORWARDER = (
    f"forwarder add splunk --config instance_url=https://splunk.acme.example:8088,index=main,token={PASTED_SECRET}"
)


class Ingest:
    def __init__(self) -> None:
        self.envelopes: list[bytes] = []
        self.paths: list[str] = []

    def items(self) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """(item header, item payload) of every envelope received."""
        found = []
        for envelope in self.envelopes:
            lines = envelope.split(b"\n")[1:]  # the first line is the envelope's header
            for header, payload in zip(lines[::2], lines[1::2], strict=False):
                if header.strip():
                    found.append((json.loads(header), json.loads(payload)))
        return found


@pytest.fixture
def ingest() -> Iterator[tuple[Ingest, str]]:
    kept = Ingest()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            kept.envelopes.append(body)
            kept.paths.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield kept, f"http://publickey@127.0.0.1:{server.server_address[1]}/1"
    finally:
        server.shutdown()
        server.server_close()


def settings_with(dsn: str | None) -> Settings:
    """The secrets the `bot` fixture runs with, and the DSN."""
    return Settings(
        slack_bot_token=SecretStr("xoxb-test"),
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        sentry_auth_token=SecretStr("sntrys_test"),
        sentry_org="acme",
        sentry_dsn=SecretStr(dsn) if dsn else None,
        _env_file=None,
    )


@pytest.fixture
def monitoring(ingest: tuple[Ingest, str]) -> Iterator[Ingest]:
    """Self-monitoring on before the bot starts, as `serve` does; off (flushed) when the test ends."""
    kept, dsn = ingest
    with self_monitoring(settings_with(dsn), traces_sample_rate=1.0) as on:
        assert on
        yield kept


async def test_a_crash_is_reported_with_no_secret_or_command_text(monitoring, bot, monkeypatch) -> None:
    async def explode(self: SentryClient, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError(f"stand-in bug: sent token={PASTED_SECRET} with Bearer sntrys_test")

    monkeypatch.setattr(SentryClient, "create_forwarder", explode)
    answer = await bot.command(FORWARDER)
    assert "Something went wrong" in answer["text"]
    await bot.command("org")
    sentry_sdk.flush(timeout=5)

    kept = monitoring

    sent = b"".join(kept.envelopes).decode()
    assert kept.paths and all(p.startswith("/api/1/envelope/") for p in kept.paths)
    events = [payload for header, payload in kept.items() if header["type"] == "event"]
    assert any(
        value["type"] == "RuntimeError" for event in events for value in event.get("exception", {}).get("values", [])
    )
    assert any(header["type"] == "transaction" for header, _ in kept.items())  # traces too
    # Not the DSN's public key: the SDK sends it with every envelope, and Sentry calls it safe to publish.
    for secret in ["xoxb-test", SIGNING_SECRET, "sntrys_test", PASTED_SECRET]:
        assert secret not in sent
    assert "splunk.acme.example" not in sent  # the command's text


def test_leaving_turns_it_off(ingest) -> None:
    with self_monitoring(settings_with(ingest[1])):
        assert sentry_sdk.get_client().is_active()
    assert not sentry_sdk.get_client().is_active()


def test_without_a_dsn_nothing_is_started() -> None:
    with self_monitoring(settings_with(None)) as on:
        assert not on
        assert not sentry_sdk.get_client().is_active()


def test_the_scrubber_drops_text_bodies_and_signatures_and_masks_secrets() -> None:
    scrub = Scrubber(["s3cr3t-signing"])
    event = {
        "request": {
            "data": "token=abc&text=deploy+prod",
            "headers": {"X-Slack-Signature": "v0=ab", "User-Agent": "Slackbot 1.0"},
        },
        "extra": {"text": "hello team", "command": "org", "note": "signed with s3cr3t-signing"},
        "breadcrumbs": {"values": [{"message": "POST https://hooks.slack.com/commands/T1/2/abcSECRET"}]},
    }
    cleaned = scrub(event, None)
    assert cleaned["request"]["data"] == "[redacted]"
    assert cleaned["request"]["headers"] == {"X-Slack-Signature": "[redacted]", "User-Agent": "Slackbot 1.0"}
    assert cleaned["extra"] == {"text": "[redacted]", "command": "org", "note": "signed with [redacted]"}
    assert "abcSECRET" not in json.dumps(cleaned)
