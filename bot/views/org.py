"""The organization card: who we are talking to, and how it is set up."""

from __future__ import annotations

from datetime import datetime

from bot.sentry.models import Organization
from bot.views import text as t
from bot.views.blocks import context, esc, fields_section, link, message, section
from bot.views.common import Message, ago, number, or_none

__all__ = ["organization_card"]


def _yes_no(value: bool | None) -> str:
    if value is None:
        return t.NONE
    return t.YES if value else t.NO


def organization_card(org: Organization, *, now: datetime) -> Message:
    """Name, slug, id, status, age, 2FA requirement, and a link to the organization in Sentry."""
    url = (org.links or {}).get("organizationUrl")
    name = f"*{esc(org.name)}*"
    status = (org.status or {}).get("name") or (org.status or {}).get("id")
    blocks = [
        section(f"{link(str(url), org.name) if url else name} (`{esc(org.slug)}`)"),
        fields_section(
            [
                ("ID", f"`{esc(org.id)}`"),
                ("Status", or_none(status)),
                ("Created", ago(org.date_created, now)),
                ("Requires 2FA", _yes_no(org.require_2fa)),
                ("Early adopter", _yes_no(org.is_early_adopter)),
                ("Features", number(len(org.features))),
            ]
        ),
    ]
    if url:
        blocks.append(context(esc(url)))
    return message(f"{esc(org.name)} ({esc(org.slug)})", blocks)
