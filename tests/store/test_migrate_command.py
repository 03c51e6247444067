"""`sentry-bot migrate` and the database section of `sentry-bot check`, as an operator runs them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.cli import main
from bot.store import Database, migrations
from bot.store.check import check_database
from tests.store.support import sqlite_url


@pytest.fixture(autouse=True)
def _no_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's checkout
    for name in ("DATABASE_URL", "BOT_AUTO_MIGRATE"):
        monkeypatch.delenv(name, raising=False)


def test_migrate_upgrades_a_new_database_then_has_nothing_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url(tmp_path))
    assert main(["migrate"]) == 0
    assert f"applied {migrations.BASELINE}" in capsys.readouterr().out
    assert main(["migrate"]) == 0
    assert "nothing to do" in capsys.readouterr().out
    with sqlite3.connect(tmp_path / "bot.db") as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(migrations.head(),)]


def test_migrate_refuses_a_database_newer_than_the_code_with_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url(tmp_path))
    assert main(["migrate"]) == 0
    with sqlite3.connect(tmp_path / "bot.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_later'")
    assert main(["migrate"]) == 1
    assert "newer than this sentry-bot" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("postgresql://bot:hunter2@127.0.0.1:9/bot", "cannot open the database"),
        ("postgresql://", "names no PostgreSQL database"),
    ],
)
def test_migrate_says_why_it_cannot_reach_the_database_with_exit_2(
    url: str, words: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["migrate"]) == 2
    err = capsys.readouterr().err
    assert words in err
    assert "hunter2" not in err


async def test_check_reports_a_current_schema(tmp_path: Path) -> None:
    async with Database.connect(sqlite_url(tmp_path)):
        pass
    findings = await check_database(sqlite_url(tmp_path))
    assert [ok for ok, _ in findings] == [True, True]
    assert migrations.head() in findings[1][1]


async def test_check_names_the_pending_revisions_and_the_command_when_auto_migrate_is_off(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "bot.db") as conn:
        conn.execute("CREATE TABLE unrelated (id INTEGER)")
    (reachable, (ok, line)) = await check_database(sqlite_url(tmp_path), auto_migrate=False)
    assert reachable[0]
    assert not ok
    assert migrations.BASELINE in line
    assert "sentry-bot migrate" in line
    (_, (ok, _)) = await check_database(sqlite_url(tmp_path), auto_migrate=True)
    assert ok  # the start will upgrade it


async def test_check_creates_no_sqlite_file(tmp_path: Path) -> None:
    [(ok, line)] = await check_database(sqlite_url(tmp_path), auto_migrate=False)
    assert not ok
    assert "does not exist yet" in line
    assert not (tmp_path / "bot.db").exists()


@pytest.mark.parametrize(
    ("url", "words"),
    [("postgresql://", "names no PostgreSQL database"), ("postgresql://bot@127.0.0.1:9/bot", "cannot open")],
)
async def test_check_refuses_a_url_without_a_database_and_an_unreachable_one(url: str, words: str) -> None:
    [(ok, line)] = await check_database(url)
    assert not ok
    assert words in line


def test_a_start_with_auto_migrate_off_refuses_a_database_behind_naming_migrate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url(tmp_path))
    monkeypatch.setenv("BOT_AUTO_MIGRATE", "off")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    assert main(["worker", "--port", "0"]) == 1
    err = capsys.readouterr().err
    assert "BOT_AUTO_MIGRATE is off" in err
    assert "sentry-bot migrate" in err
