"""The release and cron views: what they show, outside text inert, Slack's limits kept."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.sentry.models import CheckIn, Commit, Deploy, Monitor, Release
from bot.views.crons import duration, monitor_card, monitor_list, schedule
from bot.views.releases import release_card, release_list
from tests.views import builders as b
from tests.views.builders import EVIL, NOW
from tests.views.limits import assert_within_limits
from tests.views.read import assert_inert, field, sections, visible_text


def release(**overrides):
    fields = {
        "version": "web@2.4.1",
        "shortVersion": "2.4.1",
        "dateCreated": (NOW - timedelta(days=2)).isoformat(),
        "dateReleased": (NOW - timedelta(days=2) + timedelta(minutes=12)).isoformat(),
        "newGroups": 3,
        "commitCount": 2,
        "deployCount": 1,
        "authors": [{"name": "Alice Nguyen", "email": "alice@acme.example"}],
        "projects": [{"id": 1, "slug": "web", "name": "Web", "newGroups": 3}],
    }
    return Release.model_validate({**fields, **overrides})


def commit(n=0, **overrides):
    fields = {"id": f"{n:040x}", "message": f"fix: thing {n}\n\nbody", "author": {"name": "Alice Nguyen"}}
    return Commit.model_validate({**fields, **overrides})


def deploy(n=0, **overrides):
    moment = (NOW - timedelta(days=1, minutes=n)).isoformat()
    return Deploy.model_validate({"id": str(n), "environment": "production", "dateFinished": moment, **overrides})


def monitor(**overrides):
    fields = {
        "id": "f1e2",
        "slug": "nightly-billing",
        "name": "Nightly billing run",
        "status": "active",
        "isMuted": False,
        "config": {"schedule_type": "crontab", "schedule": "0 2 * * *", "checkin_margin": 5, "timezone": "UTC"},
        "project": {"id": "2", "slug": "api"},
        "environments": [
            {
                "name": "production",
                "status": "ok",
                "isMuted": False,
                "lastCheckIn": (NOW - timedelta(hours=10)).isoformat(),
            }
        ],
    }
    return Monitor.model_validate({**fields, **overrides})


def check_in(n=0, **overrides):
    moment = (NOW - timedelta(days=n)).isoformat()
    fields = {"id": str(n), "status": "ok", "duration": 252_000, "dateCreated": moment, "environment": "production"}
    return CheckIn.model_validate({**fields, **overrides})


def test_release_card_shows_deploys_commits_authors_and_new_issues():
    msg = release_card(
        release(),
        commits=b.page([commit(1)]),
        deploys=b.page([deploy()]),
        new_issues=[b.issue()],
        now=NOW,
        slash="/sentry",
    )
    assert_within_limits(msg)
    text = visible_text(msg)
    assert field(msg, "New issues") == "3"
    assert field(msg, "Authors") == "Alice Nguyen"
    assert "*production* · 2024-04-30 12:00 UTC (1 day ago)" in text
    assert "`0000000` fix: thing 1 · Alice Nguyen" in text
    assert "<https://acme.sentry.io/issues/4711/|WEB-12A>" in text


def test_a_release_without_deploys_or_commits_says_so():
    bare = release(commitCount=0, deployCount=0, newGroups=0, authors=[])
    msg = release_card(bare, commits=b.page([]), deploys=b.page([]), new_issues=[], now=NOW, slash="/sentry")
    text = visible_text(msg)
    assert "Not deployed yet." in text and "No commits associated" in text and "No new issues" in text


def test_more_commits_than_shown_are_counted():
    many = b.page([commit(n) for n in range(30)])
    msg = release_card(
        release(commitCount=130), commits=many, deploys=b.page([]), new_issues=[], now=NOW, slash="/sentry"
    )
    assert "… 120 more rows not shown" in visible_text(msg)


def test_release_list_rows():
    msg = release_list(
        b.page([release()], cursor="0:1:0"), project="web", command="releases web", now=NOW, slash="/sentry"
    )
    assert sections(msg)[0] == "*web@2.4.1* · 2 days ago · 2 commits · 1 deploy · 3 new issues"


@pytest.mark.parametrize(
    ("ms", "said"), [(None, "—"), (850, "850 ms"), (42_000, "42 s"), (252_000, "4 min 12 s"), (7_500_000, "2 h 5 min")]
)
def test_durations_read_as_people_say_them(ms, said):
    assert duration(ms) == said


def test_schedules():
    assert schedule(monitor().config) == "`0 2 * * *` (UTC)"
    interval = monitor(config={"schedule_type": "interval", "schedule": [15, "minute"]}).config
    assert schedule(interval) == "every 15 minutes"


def test_monitor_card_and_mute_hint():
    msg = monitor_card(monitor(), [check_in(0), check_in(1, status="missed", duration=None)], now=NOW, slash="/sentry")
    assert_within_limits(msg)
    lines = sections(msg)[-1].splitlines()
    assert lines[1] == "✅ ok · 2024-05-01 12:00 UTC (just now) · 4 min 12 s · production"
    assert lines[2].startswith("⚠️ missed · ") and " · — · " in lines[2]
    assert "`/sentry cron mute nightly-billing`" in visible_text(msg)
    muted = monitor_card(monitor(isMuted=True), [], now=NOW, slash="/sentry", changed="muted by <@U1>")
    assert "muted by <@U1>" in visible_text(muted)
    assert "`/sentry cron unmute nightly-billing`" in visible_text(muted)


EVIL_VIEWS = {
    "release list": lambda: release_list(
        b.page([release(version=EVIL)]), project=EVIL, command="releases", now=NOW, slash="/sentry"
    ),
    "release card": lambda: release_card(
        release(version=EVIL, shortVersion=EVIL, authors=[{"name": EVIL}], projects=[{"slug": EVIL}]),
        commits=b.page([commit(message=EVIL, author={"name": EVIL})]),
        deploys=b.page([deploy(environment=EVIL)]),
        new_issues=[b.issue(title=EVIL)],
        now=NOW,
        slash="/sentry",
    ),
    "monitor list": lambda: monitor_list(
        b.page([monitor(name=EVIL, slug=EVIL, config={"schedule": EVIL, "timezone": EVIL})]),
        project=EVIL,
        command="crons",
        now=NOW,
        slash="/sentry",
    ),
    "monitor card": lambda: monitor_card(
        monitor(name=EVIL, slug=EVIL, config={"schedule_type": "interval", "schedule": [EVIL, EVIL]}),
        [check_in(status=EVIL, environment=EVIL)],
        now=NOW,
        slash="/sentry",
    ),
}


@pytest.mark.parametrize("view", EVIL_VIEWS.values(), ids=EVIL_VIEWS.keys())
def test_outside_text_renders_inert(view):
    msg = view()
    assert_within_limits(msg)
    assert_inert(msg)


def test_huge_releases_and_monitors_stay_within_limits():
    long = "v" * 5000
    card = release_card(
        release(version=long, authors=[{"name": "n" * 500}] * 40),
        commits=b.page([commit(n, message="m" * 5000) for n in range(100)]),
        deploys=b.page([deploy(n, environment="e" * 5000) for n in range(100)]),
        new_issues=[b.issue(title="t" * 5000)] * 100,
        now=NOW,
        slash="/sentry",
    )
    assert_within_limits(card)
    listing = monitor_list(
        b.page([monitor(name="n" * 5000)] * 100), project=None, command="crons", now=NOW, slash="/sentry"
    )
    assert_within_limits(listing)
    releases = release_list(
        b.page([release(version=long)] * 100), project=None, command="releases", now=NOW, slash="/sentry"
    )
    assert_within_limits(releases)
