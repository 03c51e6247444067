"""Every error the bot raises on purpose, in one tree.

    SentryBotError
    ├── UsageError                  the user typed something we cannot run (reply: what to type instead)
    ├── PermissionDenied            the user may not run this command
    └── SentryAPIError              Sentry answered with an error, or did not answer
        ├── NotFound                404
        ├── Forbidden               401 / 403: the token lacks a scope, or the resource is hidden
        ├── InvalidInput            400 / 422, with Sentry's field errors
        ├── RateLimited             429 after the bounded wait ran out
        ├── Conflict                409
        ├── UnexpectedShape         a 2xx Sentry should not send: not JSON, or not the documented shape
        ├── ResponseTooLarge        an answer bigger than the bot reads
        └── SentryUnavailable       5xx (JSON or not) or a connection error
            └── SentryTimeout       no answer in time
                └── DeadlineExceeded    the whole command ran past its deadline

`retryable` errors (Sentry busy, slow or limiting) are answered with a Retry button.

An expected error becomes an ephemeral reply built from its `user_message()`; anything else is logged
with its traceback and the user gets a generic reply with no exception text.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

__all__ = [
    "Conflict",
    "DeadlineExceeded",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "PermissionDenied",
    "RateLimited",
    "ResponseTooLarge",
    "SentryAPIError",
    "SentryBotError",
    "SentryTimeout",
    "SentryUnavailable",
    "UnexpectedShape",
    "UsageError",
]


class SentryBotError(Exception):
    """Base of every error the bot raises on purpose."""

    # Whether the same command may well work if run again shortly (offered as a Retry button).
    retryable: bool = False

    def user_message(self) -> str:
        return str(self)


class UsageError(SentryBotError):
    """The command cannot be run as typed. `usage` and `example` say what to type instead."""

    def __init__(self, reason: str, *, usage: str | None = None, example: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.usage = usage
        self.example = example

    def user_message(self) -> str:
        parts = [self.reason]
        if self.usage:
            parts.append(f"Usage: `{self.usage}`")
        if self.example:
            parts.append(f"Example: `{self.example}`")
        return "\n".join(parts)


class PermissionDenied(SentryBotError):
    """The requester may not run this command."""


class SentryAPIError(SentryBotError):
    """Sentry answered with an error. `detail` is Sentry's own message, `status` the HTTP status."""

    status: int | None = None
    what: str = "Sentry returned an error"

    def __init__(
        self,
        detail: str = "",
        *,
        status: int | None = None,
        code: str | None = None,
        fields: Mapping[str, Sequence[str]] | None = None,
        operation: str | None = None,
    ) -> None:
        super().__init__(detail or self.what)
        self.detail = detail
        if status is not None:
            self.status = status
        self.code = code
        self.fields: dict[str, list[str]] = {k: list(v) for k, v in (fields or {}).items()}
        self.operation = operation

    def user_message(self) -> str:
        text = self.what
        if self.detail:
            text += f": {self.detail}"
        if self.fields:
            text += "\n" + "\n".join(f"• {k}: {' '.join(v)}" for k, v in self.fields.items())
        return text


class NotFound(SentryAPIError):
    status = 404
    what = "Sentry could not find that"


class Forbidden(SentryAPIError):
    status = 403
    what = "Sentry refused the request (the bot's token lacks the permission)"


class InvalidInput(SentryAPIError):
    status = 400
    what = "Sentry rejected the input"


class Conflict(SentryAPIError):
    status = 409
    what = "Sentry reports a conflict"


class RateLimited(SentryAPIError):
    status = 429
    what = "Sentry is rate limiting the bot"
    retryable = True

    def __init__(self, detail: str = "", *, reset_in: float | None = None, **kw: object) -> None:
        super().__init__(detail, **kw)  # type: ignore[arg-type]
        self.reset_in = reset_in

    def user_message(self) -> str:
        return f"{super().user_message()}\n{retry_hint(self.reset_in)}"


def retry_hint(seconds: float | None) -> str:
    """When to try again, in words: "Try again in 40 seconds." / "... in 3 minutes."."""
    if seconds is None or seconds <= 60:
        return "Try again in a minute."
    minutes = math.ceil(seconds / 60)
    if minutes < 120:
        return f"Try again in {minutes} minutes."
    return f"Try again in {minutes // 60} hours."


class UnexpectedShape(SentryAPIError):
    """A 2xx answer the bot cannot read: not JSON, or not the shape Sentry documents for it."""

    what = "Sentry's answer had an unexpected shape"

    def user_message(self) -> str:
        text = f"{self.what} (for {self.operation or 'this request'}), so the bot cannot show it."
        return f"{text} It has been logged; if it keeps happening, tell whoever runs the bot."


class ResponseTooLarge(SentryAPIError):
    """An answer bigger than the transport's byte cap: reading it would hold up every other user."""

    what = "Sentry's answer was too large for the bot"

    def __init__(self, *, size: int | None, limit: int, operation: str | None = None) -> None:
        super().__init__(f"{size:,} bytes" if size is not None else "", operation=operation)
        self.size = size
        self.limit = limit

    def user_message(self) -> str:
        size = f"{_megabytes(self.size)} MB" if self.size is not None else f"more than {_megabytes(self.limit)} MB"
        what = f" to {self.operation}" if self.operation else ""
        return (
            f"Sentry's answer{what} was {size}; the bot reads at most {_megabytes(self.limit)} MB. "
            "Narrow it down (a project, a shorter `--since`, a query) and try again."
        )


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:,.1f}"


class SentryUnavailable(SentryAPIError):
    what = "Sentry is not answering right now; try again shortly"
    retryable = True


class SentryTimeout(SentryUnavailable):
    what = "Sentry took too long to answer; try again shortly"


class DeadlineExceeded(SentryTimeout):
    """The command ran past its deadline, waiting on Sentry (slow, stalled, or every slot taken)."""

    def __init__(self, seconds: float, *, may_have_changed: bool) -> None:
        super().__init__(f"no answer within {seconds:.0f} s")
        self.seconds = seconds
        self.may_have_changed = may_have_changed

    def user_message(self) -> str:
        text = f"Sentry did not answer within {self.seconds:.0f} seconds, so the bot stopped waiting."
        if self.may_have_changed:
            return f"{text} The change may still have been made in Sentry: check before running it again."
        return f"{text} Try again in a moment."
