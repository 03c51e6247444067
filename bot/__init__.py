"""sentry-bot: a Slack ChatOps bot for Sentry."""

__version__ = "0.1.0"
