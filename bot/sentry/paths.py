"""Building API paths from user input without letting it escape its path segment.

A slug like `../x`, or a short ID containing `/` or `?`, must never reach another endpoint:
each parameter is checked, then percent-encoded as a single segment.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from bot.errors import UsageError

__all__ = ["build_path", "segment"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def segment(value: object, *, name: str = "identifier") -> str:
    """One path segment, validated and percent-encoded (`/`, `?`, `#`, `%` and spaces included)."""
    text = str(value).strip()
    if not text:
        raise UsageError(f"The {name} is empty.")
    if len(text) > 200:
        raise UsageError(f"The {name} is too long ({len(text)} characters).")
    if text in (".", "..") or _CONTROL.search(text):
        raise UsageError(f"`{text[:40]}` is not a valid {name}.")
    return quote(text, safe="")


def build_path(template: str, *params: object) -> str:
    """Fill the `{}` slots of `template` with encoded segments, e.g.

    >>> build_path("organizations/{}/issues/{}/", "acme", "WEB/1?x")
    'organizations/acme/issues/WEB%2F1%3Fx/'
    """
    return template.format(*(segment(p) for p in params))
