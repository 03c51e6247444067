"""The probes of `sentry-bot check`, one at a time: tokens named by their kind, every invalid variable
reported, and a probe that crashes not stopping the others."""

from __future__ import annotations

import pytest

from bot.checks import Status, config_probe, fail, lenient_settings, ok, run_probes, sentry_token_kind
from bot.settings import Settings

SECRET_PART = "Zq9SECRETvalue"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SENTRY_AUTH_TOKEN", "CACHE_TTL_SECONDS", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


@pytest.mark.parametrize(
    ("token", "kind"),
    [
        ("xoxp-", "a user token (xoxp-)"),
        ("xapp-", "an app-level token (xapp-)"),
        ("xoxe.xoxp-", "a configuration token (xoxe.)"),
        ("", "not a Slack token"),
    ],
)
def test_a_wrong_slack_bot_token_is_named_by_its_kind_and_never_shown(monkeypatch, token, kind):
    monkeypatch.setenv("SLACK_BOT_TOKEN", token + SECRET_PART)
    settings, findings = lenient_settings()
    (finding,) = findings
    assert finding.status is Status.FAIL
    assert finding.text.startswith(f"SLACK_BOT_TOKEN is {kind}: expected the Bot User OAuth Token (xoxb-)")
    assert SECRET_PART not in finding.text
    assert settings.slack_bot_token is None  # reset, so the other probes still run


def test_every_invalid_variable_is_reported_at_once(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxp-" + SECRET_PART)
    monkeypatch.setenv("CACHE_TTL_SECONDS", "soon")
    monkeypatch.setenv("DATABASE_URL", "mysql://db/bot")
    _, findings = lenient_settings()
    assert sorted(f.subject for f in findings) == ["CACHE_TTL_SECONDS", "DATABASE_URL", "SLACK_BOT_TOKEN"]


@pytest.mark.parametrize(
    ("token", "kind"),
    [
        ("sntryi_" + "ab" * 32, "integration"),
        ("sntrys_eyJvcmciOiJhY21lIn0_" + SECRET_PART, "organization"),
        ("sntryu_" + "ab" * 32, "user"),
        ("sntrya_" + "ab" * 32, "user-app"),
        ("ab" * 32, "legacy"),
        ("glpat-" + SECRET_PART, "unknown"),
    ],
)
def test_the_sentry_token_kind_comes_from_its_prefix(token, kind):
    assert sentry_token_kind(token) == kind


async def test_an_organization_auth_token_is_refused_with_the_recipe_and_without_its_value():
    settings = Settings(
        sentry_auth_token="sntrys_eyJvcmciOiJhY21lIn0_" + SECRET_PART, sentry_org="acme", _env_file=None
    )
    findings = await config_probe(settings, "console")
    (token,) = [f for f in findings if "SENTRY_AUTH_TOKEN" in f.text]
    assert token.status is Status.FAIL
    assert "org:ci" in token.text and "sentry-bot sentry-app --url" in token.text
    assert SECRET_PART not in token.text


async def test_a_probe_that_crashes_is_one_finding_and_the_next_probe_still_runs():
    async def crashes(settings, mode):
        raise RuntimeError("boom " + SECRET_PART)

    async def answers(settings, mode):
        return [ok("the next probe ran")]

    findings = await run_probes(Settings(_env_file=None), "console", [crashes, answers])
    assert findings == [fail("crashes could not run: RuntimeError"), ok("the next probe ran")]
