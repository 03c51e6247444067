"""conversations.history and conversations.replies for the fake Slack, which lacks them.

The worker reads them (with the channels:history scope) to find a post an interrupted attempt
may have made, by its message metadata. Added through `FakeSlack.set_response`, answered from
the messages the fake keeps.
"""

from __future__ import annotations

from typing import Any

from tests.fakes import FakeSlack


def add_history(fake: FakeSlack) -> None:
    def shown(args: dict[str, Any], message: dict[str, Any]) -> dict[str, Any]:
        if args.get("include_all_metadata") in (True, "true", "1", 1):
            return message
        return {k: v for k, v in message.items() if k != "metadata"}

    # The fake's ts count up from 1700000000, not from the clock, so `oldest` (a clock time the
    # worker computes) cannot be compared with them: every message is answered.
    def history(args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel"))
        found = [shown(args, m) for (c, _ts), m in fake.messages.items() if c == channel and not m.get("thread_ts")]
        found.sort(key=lambda m: -float(m["ts"]))  # newest first, as Slack answers
        return {"ok": True, "messages": found, "has_more": False}

    def replies(args: dict[str, Any]) -> dict[str, Any]:
        channel, parent = str(args.get("channel")), str(args.get("ts"))
        thread = [
            shown(args, m)
            for (c, ts), m in fake.messages.items()
            if c == channel and (ts == parent or m.get("thread_ts") == parent)
        ]
        thread.sort(key=lambda m: float(m["ts"]))
        return {"ok": True, "messages": thread, "has_more": False}

    fake.set_response("conversations.history", history)
    fake.set_response("conversations.replies", replies)
