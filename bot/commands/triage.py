"""The one loader of the issue card: issue details, its latest event and its tag counts.

Every place that shows an issue card (the `issue` command, the card after a change, link unfurls)
loads it here, so each gets the same card for the same cost: at most three Sentry calls when cold
(details, then the latest event and the tag counts side by side), none when warm.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import TypeVar

from bot.commands.context import Ctx
from bot.commands.refs import by_issue_ref
from bot.errors import Forbidden, InvalidInput, NotFound, UnexpectedShape
from bot.sentry.models import IssueDetails
from bot.views.common import Message
from bot.views.issue import CardFacts, issue_card, platform_tag

__all__ = ["card_keys", "issue_card_for", "load_card", "load_details"]

log = logging.getLogger("bot.commands.triage")

T = TypeVar("T")

# Answers that leave out one part of the card rather than fail it: an issue whose events were
# deleted (404), a plan without Discover (403), a query Sentry refuses (400), an odd shape.
_PARTIAL = (NotFound, Forbidden, InvalidInput, UnexpectedShape)


async def load_details(ctx: Ctx, ref: str) -> IssueDetails:
    """Issue details for a short ID (`WEB-12A`), numeric ID or Sentry issue URL, in one call."""
    return await by_issue_ref(ctx, ref, by_id=ctx.sentry.get_issue_details, by_short_id=ctx.sentry.get_issue_details)


def card_keys(issue: IssueDetails) -> tuple[str, ...]:
    """The tags whose top values the card shows: release, environment, and browser or OS."""
    platform = issue.platform or (issue.project.platform if issue.project else None)
    return ("release", "environment", platform_tag(platform))


async def _part(operation: str, call: Awaitable[T]) -> T | None:
    try:
        return await call
    except _PARTIAL as exc:
        log.info("card.part_missing", extra={"operation": operation, "error": type(exc).__name__})
        return None


async def load_card(ctx: Ctx, ref: str) -> tuple[IssueDetails, CardFacts]:
    issue = await load_details(ctx, ref)
    keys = card_keys(issue)
    event, counts = await asyncio.gather(
        _part("get_latest_event", ctx.sentry.get_latest_event(issue.id)),
        _part("issue_tag_counts", ctx.sentry.issue_tag_counts(issue.id, keys=keys)),
    )
    return issue, CardFacts(event=event, tag_counts=counts, tag_keys=keys)


async def issue_card_for(ctx: Ctx, ref: str, *, changed_by: str | None = None, note: str | None = None) -> Message:
    """The issue card for what someone typed or clicked (see `issue_card` for `changed_by`, `note`)."""
    issue, facts = await load_card(ctx, ref)
    return issue_card(issue, now=ctx.now, changed_by=changed_by, note=note, facts=facts)
