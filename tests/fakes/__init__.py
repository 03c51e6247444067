"""Test doubles for Slack and Sentry: a fake Slack Web API, signed request builders, and Prism.

Usage: `from tests.fakes import FakeSlack, slash_command_body, slack_headers, prism_violations`.
"""

from .prism import (
    PrismServer,
    PrismUnavailable,
    find_openapi,
    find_prism,
    paging_spec,
    prism_violations,
    running_prism,
)
from .signing import (
    API_APP_ID,
    BOT_ID,
    BOT_USER_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    app_mention_event,
    block_actions_body,
    block_suggestion_body,
    event_body,
    link_shared_event,
    new_trigger_id,
    sentry_app_headers,
    sentry_signature,
    service_hook_headers,
    slack_headers,
    slack_signature,
    slash_command_body,
    url_verification_body,
    view_submission_body,
)
from .slack_api import Call, FakeSlack, block_kit_errors, modal_errors

__all__ = [
    "API_APP_ID",
    "BOT_ID",
    "BOT_USER_ID",
    "TEAM_DOMAIN",
    "TEAM_ID",
    "Call",
    "FakeSlack",
    "PrismServer",
    "PrismUnavailable",
    "app_mention_event",
    "block_actions_body",
    "block_kit_errors",
    "block_suggestion_body",
    "event_body",
    "find_openapi",
    "find_prism",
    "link_shared_event",
    "modal_errors",
    "new_trigger_id",
    "paging_spec",
    "prism_violations",
    "running_prism",
    "sentry_app_headers",
    "sentry_signature",
    "service_hook_headers",
    "slack_headers",
    "slack_signature",
    "slash_command_body",
    "url_verification_body",
    "view_submission_body",
]
