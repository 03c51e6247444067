"""Lists and cards of organization resources: what a person reads in each."""

from __future__ import annotations

from bot.sentry.models import ExternalTeam, ExternalUser
from bot.views.installations import external_issue_card, external_issue_list, installation_list
from bot.views.integrations import (
    external_team_card,
    external_user_card,
    integration_card,
    integration_list,
    provider_list,
)
from bot.views.keys import client_key_list
from bot.views.members import member_card, member_list
from bot.views.org import organization_card
from bot.views.projects import project_card, project_list
from bot.views.relays import relay_list
from bot.views.repos import commit_list, repo_list
from bot.views.routing import Action, decode
from bot.views.scim import scim_user_list
from bot.views.tags import tag_values
from bot.views.users import affected_users
from tests.views.builders import (
    NOW,
    client_key,
    commit,
    external_issue,
    installation,
    integration,
    invited,
    member,
    organization,
    page,
    project,
    project_user,
    provider,
    relay,
    repository,
    scim_list,
    scim_user,
    tag_value,
)
from tests.views.limits import assert_within_limits
from tests.views.read import button, field, sections, visible_text


def test_organization_card():
    msg = organization_card(organization(), now=NOW)
    assert_within_limits(msg)
    assert sections(msg)[0] == "<https://acme.sentry.io|Acme Corp> (`acme`)"
    assert field(msg, "Requires 2FA") == "yes"
    assert field(msg, "Status") == "active"
    assert field(msg, "Created") == "2 years ago"


def test_project_list_rows_and_more():
    msg = project_list(
        page([project("web"), project("api", platform="python")], cursor="0:2:0"), command="/sentry projects"
    )
    assert_within_limits(msg)
    lines = sections(msg)[0].splitlines()
    assert lines == ["*web* · javascript-react · #frontend", "*api* · python · #frontend"]
    more = button(msg, Action.MORE)
    assert more is not None
    assert decode(more["value"]) == {"cmd": "/sentry projects", "cursor": "0:2:0"}


def test_an_empty_project_list_says_so():
    msg = project_list(page([]), command="/sentry projects")
    assert sections(msg) == ["No projects in this organization yet."]
    assert button(msg, Action.MORE) is None


def test_500_projects_stay_within_limits():
    projects = [project(f"project-{i}", name="N" * 300) for i in range(500)]
    msg = project_list(page(projects, cursor="0:500:0"), command="/sentry projects")
    assert_within_limits(msg)
    assert button(msg, Action.MORE) is not None


def test_project_card():
    msg = project_card(project("web"), now=NOW)
    assert_within_limits(msg)
    assert sections(msg)[0] == "*Web* (`web`)"
    assert field(msg, "Platform") == "javascript-react"
    assert field(msg, "Teams") == "#frontend"
    assert field(msg, "Environments") == "production, staging"
    assert field(msg, "First event") == "1 year ago"


def test_affected_users():
    anonymous = project_user(id="2", name=None, username=None, email=None, identifier=None, ip_address="198.51.100.4")
    msg = affected_users("web", page([project_user(), anonymous]), command="/sentry users web")
    assert_within_limits(msg)
    assert sections(msg)[0].splitlines() == [
        "• *Jane Doe* · jane@customer.example · IP 203.0.113.7",
        "• *198.51.100.4*",
    ]
    assert "Users affected in web" in visible_text(msg)


def test_tag_values_are_sorted_with_share_and_bar():
    values = [tag_value("firefox", 25), tag_value("chrome", 70), tag_value("safari", 5)]
    msg = tag_values("web", "browser", page(values))
    assert_within_limits(msg)
    assert sections(msg)[0].splitlines() == [
        "`▇▇▇▇▇▇▇░░░` *chrome* · 70 (70.0%)",
        "`▇▇▇░░░░░░░` *firefox* · 25 (25.0%)",
        "`▇░░░░░░░░░` *safari* · 5 (5.0%)",
    ]
    assert "100 events across 3 values" in visible_text(msg)


def test_no_tag_values():
    msg = tag_values("web", "browser", page([]))
    assert_within_limits(msg)
    assert sections(msg) == ["No values recorded for this tag."]


def test_member_list_marks_pending_invites():
    msg = member_list(page([member("alice@acme.example"), invited("bob@acme.example")]), command="/sentry members")
    assert_within_limits(msg)
    alice, bob = sections(msg)[0].splitlines()
    assert alice == "*Alice* · alice@acme.example · member · #backend"
    assert "⏳ invite pending" in bob
    assert "⏳" not in alice


def test_member_card():
    msg = member_card(member("alice@acme.example", org_role="admin"), now=NOW)
    assert_within_limits(msg)
    assert sections(msg)[0] == "*Alice*"
    assert field(msg, "Email") == "alice@acme.example"
    assert field(msg, "Role") == "admin"
    assert field(msg, "State") == "✅ active"
    assert field(msg, "Joined") == "1 month ago"


def test_repo_list():
    msg = repo_list(page([repository()]), command="/sentry repos")
    assert_within_limits(msg)
    assert sections(msg)[0] == "<https://github.com/acme/web|acme/web> · GitHub · active · id `3`"


def test_commit_list_shows_the_first_line_and_a_short_sha():
    msg = commit_list("acme/web", page([commit()]), command="/sentry commits acme/web")
    assert_within_limits(msg)
    assert sections(msg)[0] == "`acbafc6` Fix cart total rounding · Alice · 2024-04-30"
    assert "Closes WEB-12A" not in visible_text(msg)


def test_integrations():
    listed = integration_list(page([integration()]), command="/sentry integrations")
    assert_within_limits(listed)
    assert sections(listed)[0] == "`24817` *Acme Slack* · Slack · acme.slack.com · active"
    card = integration_card(integration())
    assert_within_limits(card)
    assert field(card, "Provider") == "Slack"
    assert field(card, "Features") == "alert-rule, chat-unfurl"


def test_providers():
    msg = provider_list([provider("github"), provider("jira", can_add=False)])
    assert_within_limits(msg)
    assert sections(msg)[0].splitlines() == [
        "*Github* (`github`) · commits · can add: yes",
        "*Jira* (`jira`) · commits · can add: no",
    ]


def test_external_user_and_team_cards():
    user = ExternalUser(id="7", external_name="@alice", provider="github", user_id="280094367316")
    team = ExternalTeam(id="8", external_name="@acme/backend", provider="github", team_id="10")
    assert sections(external_user_card(user, verb="Linked")) == [
        "✅ Linked external user *@alice* (github) to Sentry user `280094367316` · id `7`"
    ]
    assert sections(external_team_card(team, verb="Updated")) == [
        "✅ Updated external team *@acme/backend* (github) to Sentry team `10` · id `8`"
    ]


def test_installations():
    msg = installation_list(page([installation()]), command="/sentry installations")
    assert_within_limits(msg)
    assert sections(msg)[0] == "*Acme Linker* · `01635075-3f0a-4f96-8fc8-ff9680780a13` · installed"


def test_external_issues_list_their_ids_for_unlink():
    msg = external_issue_list("WEB-12A", [external_issue(), external_issue(id="123457", display_name="SHOP-100")])
    assert_within_limits(msg)
    assert sections(msg)[0].splitlines()[0] == "`123456` <https://acme.atlassian.net/browse/SHOP-99|SHOP-99> · jira"
    assert "/sentry unlink <id>" in visible_text(msg)
    assert "External issues linked to WEB-12A" in visible_text(msg)


def test_no_external_issues():
    msg = external_issue_list("WEB-12A", [])
    assert sections(msg) == ["No external issues are linked. Link one with `/sentry link <issue> <url>`."]


def test_external_issue_card():
    msg = external_issue_card(external_issue(), verb="Linked")
    assert sections(msg) == ["🔗 Linked <https://acme.atlassian.net/browse/SHOP-99|SHOP-99> (jira) · id `123456`"]


def test_scim_users():
    msg = scim_user_list(
        scim_list([scim_user("102"), scim_user("103", active=False, sentry_org_role="admin")], total=40)
    )
    assert_within_limits(msg)
    assert sections(msg)[0].splitlines() == [
        "`102` *user102@acme.example* · ✅ active · member",
        "`103` *user103@acme.example* · ⛔ inactive · admin",
    ]
    assert "Showing 1–2 of 40" in visible_text(msg)


def test_relays():
    msg = relay_list([relay()], now=NOW)
    assert_within_limits(msg)
    text = sections(msg)[0]
    assert "`0123abcd-4567-89ab-cdef-012aaa456bbb` · v23.11.2" in text
    assert "first seen 20 days ago · last seen 2 minutes ago" in text


def test_no_relays():
    assert sections(relay_list([], now=NOW)) == ["No trusted relays have connected."]


def test_inactive_client_key():
    msg = client_key_list(page([client_key(is_active=False, name="CI")]), command="/sentry keys")
    assert "*CI* · project `4505281256090153` · ⛔ inactive" in visible_text(msg)
