"""The deployment files, checked for what can be checked without Docker: docker-compose.yml's
services and their commands and settings, the Dockerfile's layers and init, and the lock file
against pyproject.toml."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from bot.cli import _parser
from bot.settings import Settings
from bot.store import database_url

ROOT = Path(__file__).resolve().parents[1]


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def bot_services() -> dict[str, dict[str, Any]]:
    return {name: svc for name, svc in compose()["services"].items() if svc.get("image") == "sentry-bot:local"}


def mode(service: dict[str, Any]) -> str:
    return str(service["command"][0])


def locked() -> dict[str, str]:
    """requirements.lock as {name: version}."""
    pins = re.findall(r"^([A-Za-z0-9._-]+)==([^\s\\;]+)", (ROOT / "requirements.lock").read_text(), re.M)
    return {canonicalize_name(name): version for name, version in pins}


def test_compose_runs_postgres_two_receivers_and_one_worker_after_migrating() -> None:
    services = bot_services()
    assert compose()["services"]["db"]["image"].startswith("postgres:")
    receivers = [s for s in services.values() if mode(s) == "serve"]
    workers = [s for s in services.values() if mode(s) == "worker"]
    assert len(receivers) == 2
    assert all(s["environment"]["BOT_ALERT_WORKER"] == "off" for s in receivers)
    assert len(workers) == 1
    assert workers[0]["environment"].get("BOT_ALERT_WORKER", "on") == "on"
    migrations = [name for name, s in services.items() if mode(s) == "migrate"]
    assert migrations == ["migrate"]
    for name, service in services.items():
        if name != "migrate":
            assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("name", sorted(bot_services()))
def test_each_service_runs_a_command_the_cli_has_with_settings_it_reads(name: str) -> None:
    service = bot_services()[name]
    _parser().parse_args([str(arg) for arg in service["command"]])  # exits (fails) on an unknown command
    fields = set(Settings.model_fields)
    assert {key.lower() for key in service["environment"]} <= fields
    environment = Settings(_env_file=None, **{k.lower(): v for k, v in service["environment"].items()})
    database_url(environment.database_url)  # a PostgreSQL URL that names its database
    assert environment.database_url.startswith("postgresql://")
    grace = re.fullmatch(r"(\d+)s", service["stop_grace_period"])
    assert grace and int(grace.group(1)) > environment.bot_shutdown_grace  # the bot exits before SIGKILL


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) of each Dockerfile line, continuations joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def test_the_image_installs_the_lock_before_copying_the_code() -> None:
    steps = dockerfile()
    copies = [args for op, args in steps if op == "COPY"]
    assert copies[0] == "requirements.lock ./"
    lock_at = next(i for i, (op, args) in enumerate(steps) if op == "RUN" and "requirements.lock" in args)
    code_at = next(i for i, (op, args) in enumerate(steps) if op == "COPY" and args.startswith("bot "))
    assert lock_at < code_at
    assert "--require-hashes" in steps[lock_at][1]
    install_bot = next(args for op, args in steps[code_at:] if op == "RUN" and "pip install" in args)
    assert "--no-deps" in install_bot  # nothing resolved a second time, outside the lock


def test_the_image_runs_the_bot_under_tini() -> None:
    entrypoint = next(args for op, args in dockerfile() if op == "ENTRYPOINT")
    assert yaml.safe_load(entrypoint)[:3] == ["/usr/bin/tini", "--", "sentry-bot"]
    assert any(op == "RUN" and "tini" in shlex.split(args) for op, args in dockerfile())


def test_dockerignore_keeps_secrets_and_the_checkout_out_of_the_image() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", ".env", "tests", "*.db"} <= ignored


def test_the_lock_file_pins_every_dependency_of_pyproject_within_its_range() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    build = project["build-system"]["requires"]
    pins = locked()
    for raw in [*project["project"]["dependencies"], *build]:
        requirement = Requirement(raw)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements.lock: run scripts/lock"
        assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]} is outside {requirement.specifier}"
    assert "greenlet" in pins  # what sqlalchemy[asyncio] adds
