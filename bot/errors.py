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
        └── SentryUnavailable       5xx or a connection error
            └── SentryTimeout       no answer in time

An expected error becomes an ephemeral reply built from its `user_message()`; anything else is logged
with its traceback and the user gets a generic reply with no exception text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = [
    "Conflict",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "PermissionDenied",
    "RateLimited",
    "SentryAPIError",
    "SentryBotError",
    "SentryTimeout",
    "SentryUnavailable",
    "UsageError",
]


class SentryBotError(Exception):
    """Base of every error the bot raises on purpose."""

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
    what = "Sentry is rate limiting the bot; try again in a minute"

    def __init__(self, detail: str = "", *, reset_in: float | None = None, **kw: object) -> None:
        super().__init__(detail, **kw)  # type: ignore[arg-type]
        self.reset_in = reset_in


class SentryUnavailable(SentryAPIError):
    what = "Sentry is not answering right now; try again shortly"


class SentryTimeout(SentryUnavailable):
    what = "Sentry took too long to answer; try again shortly"
