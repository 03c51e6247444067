"""Trusted relays that have connected to the organization."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.sentry.models import Relay
from bot.views import text as t
from bot.views.blocks import esc
from bot.views.common import Message, ago, list_message, or_none

__all__ = ["relay_list"]


def _relay_row(relay: Relay, now: datetime) -> str:
    version = f"v{esc(relay.version)}" if relay.version else t.NONE
    return (
        f"`{esc(relay.relay_id)}` · {version} · first seen {ago(relay.first_seen, now)}"
        f" · last seen {ago(relay.last_seen, now)}\n      public key `{or_none(relay.public_key)}`"
    )


def relay_list(relays: Sequence[Relay], *, now: datetime) -> Message:
    """One entry per relay: id, version, first and last seen, and its public key (a public key)."""
    rows = [_relay_row(r, now) for r in relays]
    return list_message(t.RELAYS_TITLE, rows, command="", cursor=None, empty=t.RELAYS_EMPTY)
