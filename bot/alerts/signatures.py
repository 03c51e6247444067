"""Sentry's webhook signature: hex HMAC-SHA256 of the raw body, for service hooks and Sentry Apps alike."""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["sign", "signature_matches"]


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_matches(secret: str, body: bytes, signature: str | None) -> bool:
    """Constant-time check of `signature` (a header value, maybe absent) against `body`."""
    if not signature:
        return False
    return hmac.compare_digest(sign(secret, body).encode(), signature.strip().lower().encode())
