"""The delivery worker's knobs. The defaults follow Slack's limits (DESIGN.md §3); tests shrink the times."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DeliveryConfig"]


@dataclass(frozen=True)
class DeliveryConfig:
    # Seconds between two Slack calls into one channel, across every replica. Slack allows about
    # one message a second per channel; the margin absorbs network jitter.
    pace: float = 1.1
    # A storm: when a channel's pending alerts would take longer than this to post one by one,
    # they fold into one digest message instead.
    storm_delay: float = 10.0
    # A storm ends when no alert folded into its digest for this long; single messages resume.
    storm_quiet: float = 120.0
    # The least time between two updates of one digest (chat.update is Tier 3, ~50 a minute).
    digest_refresh: float = 5.0
    # How long a claim on a channel lasts; after a crash, another process takes over after it.
    # Must exceed the Slack client's timeout twice over (a lookup, then the post).
    lease: float = 120.0
    # Channels served at once by one process.
    senders: int = 4
    # Longest sleep when idle; new deliveries wake the worker sooner through `wake()`.
    poll: float = 1.0
    # After routing what was waiting, let the next webhooks gather this long before routing again:
    # under steady traffic the router runs a few batches a second instead of one per webhook (each
    # batch costs a transaction and wakes the senders). A full batch is followed at once.
    route_delay: float = 0.1
    # Tries per message before giving up on it (retryable failures only).
    max_attempts: int = 10
    backoff: float = 2.0
    backoff_max: float = 300.0
    # Event counts that earn an issue a reply in its thread.
    escalations: tuple[int, ...] = (10, 100, 1000)
    # How long finished rows (dedupe keys, routed webhooks, sent messages, threads) are kept.
    retention: float = 7 * 86400.0
    janitor_every: float = 600.0
    # Slack users told (a direct message) when a channel a Sentry alert rule chose cannot be posted
    # in: BOT_ADMINS. Nobody subscribed such a channel, so nobody else would hear of it.
    rule_notify: tuple[str, ...] = ()

    @property
    def storm_backlog(self) -> int:
        """Pending alerts in one channel beyond which they fold into a digest."""
        return max(1, int(self.storm_delay / self.pace))

    def backoff_for(self, attempts: int) -> float:
        return min(self.backoff_max, self.backoff * 2.0 ** max(0, attempts - 1))
