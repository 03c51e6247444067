"""No secret reaches the log: tokens and secrets are masked in messages, arguments and extras, and a
hook secret logged by mistake never reaches the handler's output."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from bot.logs import RedactingFilter, configure_logging
from tests.views.builders import HOOK_SECRET, hook

PLACEHOLDER_REASON = (
    "RedactingFilter redacts the template before formatting: `secret=%s` loses its %s, and logging "
    "reports the broken record with its raw arguments on stderr; see the logs.py fix"
)
SNTRYS_REASON = "bot.logs matches `sntr[ysu]_`, but Sentry tokens start `sntrys_`/`sntryu_`: see the logs.py fix"

SECRETS = {
    "slack bot token": "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy",
    "slack app token": "xapp-1-A0123456789-1234567890123-0a1b2c3d4e5f",
    "sentry org token": "sntrys_eyJpYXQiOjE3MDAwMDAwMDAuMCwidXJsIjoiaHR0cHM6Ly9zZW50cnkuaW8ifQ==_w8W88XqoPCwgUAx20",
    "sentry user token": "sntryu_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
}
# A secret as it appears in text, and the part of it that must not survive.
SHAPES = {
    "bearer header": ("Authorization: Bearer 3f1c5e0b9a7d4c2e8f6a1b0c9d8e7f6a", "3f1c5e0b9a7d"),
    "secret pair": ("client secret=ab12cd34ef56ab78cd90", "ab12cd34ef56"),
    "quoted secret": ("{'secret': 'ab12cd34ef56ab78cd90'}", "ab12cd34ef56"),
}


def filtered(msg: str, *args: Any, **extra: Any) -> logging.LogRecord:
    record = logging.LogRecord("bot.test", logging.INFO, __file__, 1, msg, args or None, None)
    for key, value in extra.items():
        setattr(record, key, value)
    assert RedactingFilter().filter(record)
    return record


@pytest.mark.parametrize("secret", SECRETS.values(), ids=SECRETS.keys())
def test_tokens_are_masked_in_the_message_its_arguments_and_its_extras(secret: str):
    assert secret not in filtered(f"sent with {secret}").getMessage()
    assert secret not in filtered("sent with %s", secret).getMessage()
    assert secret not in filtered("sent", token_used=f"token {secret}").token_used


@pytest.mark.parametrize(("text", "secret"), SHAPES.values(), ids=SHAPES.keys())
def test_named_secrets_are_masked(text: str, secret: str):
    assert secret not in filtered(text).getMessage()
    assert secret not in filtered("got %s", text).getMessage()
    assert secret not in filtered("got", detail=text).detail


@pytest.fixture
def handler_output() -> Iterator[io.StringIO]:
    """What the bot's own log handler (configure_logging) writes, captured."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging("INFO")
    out = io.StringIO()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(out)
    try:
        yield out
    finally:
        root.handlers[:], root.level = saved[0], saved[1]


MISTAKES = {
    "as an extra": lambda log: log.info("hook.created", extra={"secret": HOOK_SECRET}),
    "as a model argument": lambda log: log.info("hook.created %s", hook()),
    "as a dict extra": lambda log: log.info("hook.created", extra={"hook": hook().model_dump()}),
    "as a named argument": lambda log: log.warning("hook.bad-signature guid=%s secret=%s", "4f9d", HOOK_SECRET),
    "in a formatted message": lambda log: log.info(f"hook created, secret={HOOK_SECRET}"),
}


@pytest.mark.parametrize("mistake", MISTAKES.values(), ids=MISTAKES.keys())
def test_a_logged_hook_secret_never_reaches_the_output(
    mistake: Any, handler_output: io.StringIO, capsys: pytest.CaptureFixture[str]
):
    mistake(logging.getLogger("bot.alerts"))

    written = handler_output.getvalue() + capsys.readouterr().err
    assert written, "the record was written"
    assert HOOK_SECRET not in written
