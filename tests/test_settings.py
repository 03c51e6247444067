"""Configuration errors are one plain line naming the variable, never a traceback."""

from __future__ import annotations

import pytest

from bot.settings import ConfigError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in [
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "SLACK_API_URL",
        "SENTRY_AUTH_TOKEN",
        "SENTRY_ORG",
        "SENTRY_URL",
        "SENTRY_CLIENT_SECRET",
        "SENTRY_SERVICE_HOOK_SECRETS",
        "BOT_PUBLIC_URL",
        "DATABASE_URL",
        "BOT_ADMINS",
        "CACHE_TTL_SECONDS",
    ]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults_follow_the_design():
    s = load_settings()
    assert str(s.slack_api_url) == "https://slack.com/api/"
    assert s.sentry_api_base == "https://sentry.io/api/0/"
    assert s.database_url == "sqlite:///sentry-bot.db"
    assert s.cache_ttl_seconds == 60
    assert s.bot_admins == frozenset()


def test_lists_and_secrets_are_parsed_from_the_environment(monkeypatch):
    monkeypatch.setenv("BOT_ADMINS", "U1, U2")
    monkeypatch.setenv("SENTRY_SERVICE_HOOK_SECRETS", "abc=s3cret,def=other")
    monkeypatch.setenv("SENTRY_AUTH_TOKEN", "sntrys_token")
    s = load_settings()
    assert s.bot_admins == {"U1", "U2"}
    assert s.sentry_service_hook_secrets["abc"].get_secret_value() == "s3cret"
    assert "sntrys_token" not in repr(s)


def test_dotenv_is_read(tmp_path):
    (tmp_path / ".env").write_text("SENTRY_ORG=acme\nCACHE_TTL_SECONDS=5\n")
    s = load_settings()
    assert (s.sentry_org, s.cache_ttl_seconds) == ("acme", 5)


@pytest.mark.parametrize(
    ("name", "value", "named"),
    [
        ("CACHE_TTL_SECONDS", "soon", "CACHE_TTL_SECONDS is invalid"),
        ("CACHE_TTL_SECONDS", "-1", "CACHE_TTL_SECONDS is invalid"),
        ("SLACK_BOT_TOKEN", "xoxp-user", "SLACK_BOT_TOKEN is invalid (must start with xoxb-)"),
        ("SLACK_APP_TOKEN", "xoxb-1", "SLACK_APP_TOKEN is invalid (must start with xapp-)"),
        ("SENTRY_URL", "not a url", "SENTRY_URL is invalid"),
        ("SENTRY_SERVICE_HOOK_SECRETS", "justaguid", "SENTRY_SERVICE_HOOK_SECRETS is invalid"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL is invalid"),
        ("SENTRY_ORG", "../evil", "SENTRY_ORG is invalid"),
    ],
)
def test_a_malformed_value_names_the_variable_and_what_it_expects(monkeypatch, name, value, named):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as err:
        load_settings()
    message = str(err.value)
    assert message.startswith(named)
    assert "expected" in message and "\n" not in message


def test_a_missing_required_value_names_the_variable():
    s = load_settings()
    with pytest.raises(ConfigError, match=r"^SENTRY_AUTH_TOKEN is not set: expected a Sentry organization auth token"):
        s.require("sentry_auth_token")
