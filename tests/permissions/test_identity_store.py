"""Identity overrides outlive the process: what an admin linked is still linked after a restart."""

from __future__ import annotations

from sqlalchemy import select

from bot.commands import registry
from bot.commands.dispatch import Dispatcher
from bot.identity_store import REFRESH_AFTER, StoredOverrides
from bot.store import Database
from bot.store.identity import identity_overrides
from tests.permissions.builders import Team, email
from tests.permissions.conftest import Store

NEWCOMER = "U0NEWCOMER"
SET_AT = 1_714_564_800.0


async def reloaded(store: Store) -> dict[str, str]:
    """The overrides a freshly started bot would load."""
    async with store.connect() as db:
        return dict(await StoredOverrides.load(db))


async def test_a_saved_override_survives_a_restart(store: Store, db: Database):
    overrides = await StoredOverrides.load(db, clock=lambda: SET_AT)
    await overrides.save(NEWCOMER, "alice@acme.example", set_by="U0OWNER")

    assert overrides[NEWCOMER] == "alice@acme.example"
    assert await reloaded(store) == {NEWCOMER: "alice@acme.example"}
    async with db.read() as conn:
        row = (await conn.execute(select(identity_overrides))).mappings().one()
    assert (row["set_by"], row["set_at"]) == ("U0OWNER", SET_AT)


async def test_saving_again_replaces_the_link(store: Store, db: Database):
    overrides = await StoredOverrides.load(db)
    await overrides.save(NEWCOMER, "alice@acme.example", set_by="U0OWNER")
    await overrides.save(NEWCOMER, "bob@acme.example", set_by="U0MANAGER")

    assert await reloaded(store) == {NEWCOMER: "bob@acme.example"}


async def test_a_deleted_override_stays_deleted(store: Store, db: Database):
    overrides = await StoredOverrides.load(db)
    await overrides.save(NEWCOMER, "alice@acme.example", set_by="U0OWNER")

    assert await overrides.delete(NEWCOMER) is True
    assert await overrides.delete(NEWCOMER) is False
    assert NEWCOMER not in overrides
    assert await reloaded(store) == {}


async def test_identity_maps_through_loaded_overrides(store: Store, db: Database):
    await (await StoredOverrides.load(db)).save(NEWCOMER, email("owner"), set_by="U0OWNER")

    async with store.connect() as restarted:
        team = Team.build(overrides=await StoredOverrides.load(restarted))
        found = await team.services.identity.who(NEWCOMER)

    assert found.pinned and found.role == "owner"


async def test_identity_commands_persist_their_links(store: Store, db: Database):
    team = Team.build()
    team.services.identity.overrides = await StoredOverrides.load(db)
    dispatcher = Dispatcher(registry)

    await dispatcher.run(f"identity set <@{NEWCOMER}> {email('member')}", team.ctx("manager"))
    assert await reloaded(store) == {NEWCOMER: email("member")}

    await dispatcher.run(f"identity clear <@{NEWCOMER}>", team.ctx("manager"))
    assert await reloaded(store) == {}


async def test_a_link_changed_on_another_replica_holds_here_within_the_refresh_period(db: Database):
    now = [SET_AT]
    here = await StoredOverrides.load(db, clock=lambda: now[0])
    there = await StoredOverrides.load(db, clock=lambda: now[0])

    await there.save(NEWCOMER, "alice@acme.example", set_by="U0OWNER")
    await here.refresh()
    assert NEWCOMER not in here  # read moments ago: no query yet

    now[0] += REFRESH_AFTER
    await here.refresh()
    assert here[NEWCOMER] == "alice@acme.example"

    await there.delete(NEWCOMER)
    now[0] += REFRESH_AFTER
    team = Team.build(overrides=here)
    found = await team.services.identity.who(NEWCOMER)  # Identity refreshes before it looks
    assert not found.pinned and NEWCOMER not in here
