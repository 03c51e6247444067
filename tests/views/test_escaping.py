"""Outside text is inert in every view: it pings no one (`<!channel>`, `<@U123>`) and forges no link."""

from __future__ import annotations

import pytest

from bot.sentry.models import ExternalTeam, ExternalUser
from bot.views.event import event_card
from bot.views.hooks import hook_created, hook_list
from bot.views.installations import external_issue_card, external_issue_list, installation_list
from bot.views.integrations import (
    external_team_card,
    external_user_card,
    forwarder_list,
    integration_card,
    integration_list,
    provider_list,
)
from bot.views.issue import issue_card
from bot.views.keys import client_key_list
from bot.views.members import member_card, member_list
from bot.views.org import organization_card
from bot.views.projects import project_card, project_list
from bot.views.relays import relay_list
from bot.views.repos import commit_list, repo_list
from bot.views.scim import scim_user_list
from bot.views.stats import project_stats_card, usage_table
from bot.views.tags import tag_values
from bot.views.users import affected_users
from tests.views import builders as b
from tests.views.builders import EVIL, NOW
from tests.views.limits import assert_within_limits
from tests.views.read import assert_inert

VIEWS = {
    "issue": lambda: issue_card(b.issue(title=EVIL), now=NOW),
    "event": lambda: event_card(b.event_resolution(title=EVIL), now=NOW),
    "org": lambda: organization_card(b.organization(name=EVIL), now=NOW),
    "projects": lambda: project_list(b.page([b.project(name=EVIL)]), command="/sentry projects"),
    "project": lambda: project_card(b.project(name=EVIL), now=NOW),
    "stats": lambda: project_stats_card(EVIL, b.stat_points([1, 2]), stat="received", resolution=None),
    "usage": lambda: usage_table(
        b.usage({(EVIL,): 1}, keys=("project",)), field="sum(quantity)", group_by=["project"], period=None
    ),
    "users": lambda: affected_users("web", b.page([b.project_user(name=EVIL)]), command="/sentry users web"),
    "tags": lambda: tag_values("web", "browser", b.page([b.tag_value(EVIL, 3)])),
    "hooks": lambda: hook_list("web", b.page([b.hook(url=EVIL)]), command="/sentry hooks web"),
    "hook created": lambda: hook_created("web", b.hook(url=EVIL), reveal_secret=True),
    "members": lambda: member_list(b.page([b.member(name=EVIL)]), command="/sentry members"),
    "member": lambda: member_card(b.member(name=EVIL), now=NOW),
    "repos": lambda: repo_list(b.page([b.repository(name=EVIL, url=None)]), command="/sentry repos"),
    "commits": lambda: commit_list("acme/web", b.page([b.commit(EVIL)]), command="/sentry commits acme/web"),
    "integrations": lambda: integration_list(b.page([b.integration(name=EVIL)]), command="/sentry integrations"),
    "integration": lambda: integration_card(b.integration(name=EVIL)),
    "providers": lambda: provider_list([b.provider(name=EVIL)]),
    "forwarders": lambda: forwarder_list([b.forwarder(config={"queue_url": EVIL})]),
    "external user": lambda: external_user_card(ExternalUser(id="1", external_name=EVIL), verb="Linked"),
    "external team": lambda: external_team_card(ExternalTeam(id="1", external_name=EVIL), verb="Linked"),
    "installations": lambda: installation_list(
        b.page([b.installation(app={"name": EVIL})]), command="/sentry installations"
    ),
    "external issues": lambda: external_issue_list("WEB-1", [b.external_issue(display_name=EVIL)]),
    "external issue": lambda: external_issue_card(b.external_issue(display_name=EVIL), verb="Linked"),
    "scim": lambda: scim_user_list(b.scim_list([b.scim_user(user_name=EVIL)])),
    "relays": lambda: relay_list([b.relay(version=EVIL)], now=NOW),
    "keys": lambda: client_key_list(b.page([b.client_key(name=EVIL)]), command="/sentry keys"),
}


@pytest.mark.parametrize("view", VIEWS.values(), ids=VIEWS.keys())
def test_outside_text_renders_inert(view):
    msg = view()
    assert_within_limits(msg)
    assert_inert(msg)
