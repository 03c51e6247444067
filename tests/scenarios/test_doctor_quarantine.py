"""`/sentry doctor` tells operators when webhooks were set aside, and what failed last."""

from __future__ import annotations

import json
import time

from bot.store import Database
from bot.store.alerts import webhook_quarantine


async def test_doctor_shows_the_quarantine(bot, tmp_path):
    answer = await bot.command("doctor", user="UDAVE")
    assert "No webhooks quarantined" in json.dumps(answer["blocks"])

    # What the router writes when a stored webhook cannot be routed (tests/alerts/test_quarantine.py).
    async with Database.connect(f"sqlite:///{tmp_path / 'bot.db'}") as db, db.transaction() as conn:
        await conn.execute(
            webhook_quarantine.insert().values(
                outbox_id=41,
                source="sentry_app",
                resource="issue",
                action="created",
                payload="{}",
                stage="route",
                reason="OverflowError: Python int too large to convert to SQLite INTEGER <@U1>",
                quarantined_at=time.time(),
            )
        )

    shown = json.dumps((await bot.command("doctor", user="UDAVE"))["blocks"])
    assert "1 webhook quarantined" in shown
    assert "outbox id 41" in shown and "route: OverflowError" in shown
    assert "<@U1>" not in shown  # the reason is escaped: it quotes what the webhook carried
