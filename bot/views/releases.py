"""Releases: the list, and one release with its deploys, commits, authors and new issues."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.sentry.models import Commit, Deploy, Issue, Release
from bot.sentry.paging import Page
from bot.views import text as t
from bot.views.blocks import context, esc, fields_section, header, message, section, truncate
from bot.views.common import Message, ago, list_message, number, or_none, utc
from bot.views.issue import issue_line

__all__ = ["release_card", "release_list"]

VERSION_MAX = 120
SHOWN = 10
SHA_LENGTH = 7
COMMIT_MAX = 100
AUTHORS_SHOWN = 8


def _plural(n: int | None, word: str) -> str:
    count = n or 0
    return f"{number(count)} {word}" + ("" if count == 1 else "s")


def _version(release: Release) -> str:
    return esc(truncate(release.version, VERSION_MAX))


def _row(release: Release, now: datetime) -> str:
    return t.RELEASE_ROW.format(
        version=_version(release),
        created=ago(release.date_created, now),
        commits=_plural(release.commit_count, "commit"),
        deploys=_plural(release.deploy_count, "deploy"),
        new=_plural(release.new_groups, "new issue"),
    )


def release_list(page: Page[Release], *, project: str | None, command: str, now: datetime, slash: str) -> Message:
    """One line per release, newest first: version, age, commits, deploys and new issues.

    `slash` is the slash command's name (`SLACK_COMMAND`), for the hint under the list.
    """
    title = t.RELEASES_OF.format(project=project) if project else t.RELEASES_TITLE
    return list_message(
        title,
        [_row(r, now) for r in page.items],
        command=command,
        cursor=page.next_cursor,
        empty=t.RELEASES_EMPTY,
        footer=t.RELEASES_FOOTER.format(slash=slash),
    )


def _when(moment: datetime | None, now: datetime) -> str:
    return f"{utc(moment)} ({ago(moment, now)})" if moment else t.NONE


def _deploy_line(deploy: Deploy, now: datetime) -> str:
    return f"*{esc(truncate(deploy.environment, 64))}* · {_when(deploy.date_finished or deploy.date_started, now)}"


def _author(commit: Commit) -> str:
    author = commit.author or {}
    return or_none(author.get("name") or author.get("email"))


def _commit_line(commit: Commit) -> str:
    lines = (commit.message or "").strip().splitlines()
    summary = truncate(esc(lines[0] if lines else t.NONE), COMMIT_MAX)
    return f"`{esc(commit.id[:SHA_LENGTH])}` {summary} · {_author(commit)}"


def _authors(release: Release, commits: Sequence[Commit]) -> str:
    names = [str(a.get("name") or a.get("email") or "") for a in release.authors]
    if not names:
        names = [str((c.author or {}).get("name") or (c.author or {}).get("email") or "") for c in commits]
    unique = list(dict.fromkeys(n for n in names if n))
    shown = ", ".join(esc(truncate(n, 60)) for n in unique[:AUTHORS_SHOWN])
    more = len(unique) - AUTHORS_SHOWN
    return (shown + (f" +{more}" if more > 0 else "")) or t.NONE


def _more(total: int | None, shown: int) -> str:
    hidden = (total or 0) - shown
    return f"\n{t.MORE_ROWS.format(n=f'{hidden:,}')}" if hidden > 0 else ""


def release_card(
    release: Release,
    *,
    commits: Page[Commit],
    deploys: Page[Deploy],
    new_issues: Sequence[Issue],
    now: datetime,
    slash: str,
) -> Message:
    """A release: when it was made and deployed where, its commits and authors, and the issues it brought."""
    projects = ", ".join(esc(p.slug) for p in release.projects) or t.NONE
    blocks = [
        header(t.RELEASE_TITLE.format(version=esc(truncate(release.short_version or release.version, 100)))),
        section(f"*{_version(release)}*"),
        fields_section(
            [
                ("Created", _when(release.date_created, now)),
                ("Released", _when(release.date_released, now)),
                ("Projects", projects),
                ("New issues", number(release.new_groups or 0)),
                ("Commits", number(release.commit_count or len(commits.items))),
                ("Authors", _authors(release, commits.items)),
            ]
        ),
    ]
    deploy_lines = [_deploy_line(d, now) for d in deploys.items[:SHOWN]]
    blocks.append(
        section(
            "*Deploys*\n"
            + ("\n".join(deploy_lines) if deploy_lines else t.RELEASE_NO_DEPLOYS)
            + _more(release.deploy_count, len(deploy_lines))
        )
    )
    commit_lines = [_commit_line(c) for c in commits.items[:SHOWN]]
    blocks.append(
        section(
            "*Commits*\n"
            + ("\n".join(commit_lines) if commit_lines else t.RELEASE_NO_COMMITS)
            + _more(release.commit_count, len(commit_lines))
        )
    )
    issue_lines = [issue_line(i) for i in new_issues[:SHOWN]]
    blocks.append(section("*New issues*\n" + ("\n".join(issue_lines) if issue_lines else t.RELEASE_NO_NEW_ISSUES)))
    if issue_lines:
        blocks.append(context(t.RELEASE_ALL_NEW.format(slash=slash, version=esc(release.version.replace('"', "")))))
    return message(
        f"{t.RELEASE_TITLE.format(version=_version(release))}: {_plural(release.new_groups, 'new issue')}", blocks
    )
