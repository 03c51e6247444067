"""The bot's own alert routing, as a channel sees it."""

from __future__ import annotations

from collections.abc import Sequence

from bot.alerts.models import Subscription
from bot.views.blocks import context, esc, header, message, section
from bot.views.common import Message

__all__ = ["describe_subscription", "subscription_list", "subscription_saved"]


def describe_subscription(sub: Subscription) -> str:
    """One subscription in a line of mrkdwn: its project, filters, and why it is paused if it is."""
    f = sub.filters
    levels = ", ".join(sorted(f.levels)) or "all levels"
    envs = ", ".join(esc(e) for e in sorted(f.environments)) or "all environments"
    events = ", ".join(sorted(str(e) for e in f.events))
    threads = "threads on" if f.threads else "threads off"
    line = f"*{esc(sub.project)}*: {levels}; {envs}; events {events}; {threads}"
    if f.mentions:
        # Shown, not pinged: the ids in code spans, so saving a subscription notifies nobody.
        line += f"; mention {', '.join(f'`{m}`' for m in f.mentions)} on {', '.join(sorted(f.mention_on))}"
    if f.broadcast:
        line += f"; broadcast {', '.join(sorted(f.broadcast))}"
    if f.tags:
        line += f"; tags {', '.join(esc(t) for t in f.tags)}"
    if sub.broken_reason:
        line += f"\n⚠️ Paused: {esc(sub.broken_reason)}. Subscribe again once fixed."
    return line


def subscription_saved(sub: Subscription, *, channel_id: str) -> Message:
    text = f"✅ <#{channel_id}> now receives alerts from {describe_subscription(sub)}"
    return message(
        f"Subscribed to {sub.project}", [section(text), context("`/sentry unsubscribe <project>` stops them.")]
    )


def subscription_list(subs: Sequence[Subscription], *, channel_id: str) -> Message:
    if not subs:
        blocks = [section(f"<#{channel_id}> is not subscribed to any project. Try `/sentry subscribe web`.")]
        return message("No subscriptions", blocks)
    blocks = [header("Alert subscriptions of this channel"), section("\n".join(describe_subscription(s) for s in subs))]
    return message("Alert subscriptions", blocks)
