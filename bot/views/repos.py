"""Repositories connected to the organization, and a repository's commits."""

from __future__ import annotations

from bot.sentry.models import Commit, Repository
from bot.sentry.paging import Page
from bot.views import text as t
from bot.views.blocks import esc, link, truncate
from bot.views.common import Message, list_message, or_none, utc_day

__all__ = ["commit_list", "repo_list"]

MESSAGE_MAX = 100
SHA_LENGTH = 7


def _repo_row(repo: Repository) -> str:
    name = link(repo.url, repo.name) if repo.url else f"*{esc(repo.name)}*"
    provider = (repo.provider or {}).get("name") or (repo.provider or {}).get("id")
    return f"{name} · {or_none(provider)} · {or_none(repo.status)} · id `{esc(repo.id)}`"


def repo_list(page: Page[Repository], *, command: str) -> Message:
    """One line per repository: name (linked), provider, status and id (for `/sentry commits`)."""
    rows = [_repo_row(r) for r in page.items]
    return list_message(t.REPOS_TITLE, rows, command=command, cursor=page.next_cursor, empty=t.REPOS_EMPTY)


def _author(commit: Commit) -> str:
    author = commit.author or {}
    return or_none(author.get("name") or author.get("email"))


def _first_line(text: str | None) -> str:
    lines = (text or "").strip().splitlines()
    return lines[0] if lines else t.NONE


def _commit_row(commit: Commit) -> str:
    sha = esc(commit.id[:SHA_LENGTH])
    summary = truncate(esc(_first_line(commit.message)), MESSAGE_MAX)
    return f"`{sha}` {summary} · {_author(commit)} · {utc_day(commit.date_created)}"


def commit_list(repo: str, page: Page[Commit], *, command: str) -> Message:
    """One line per commit: short sha, the first line of its message, author and date (UTC)."""
    rows = [_commit_row(c) for c in page.items]
    return list_message(
        t.COMMITS_TITLE.format(repo=repo),
        rows,
        command=command,
        cursor=page.next_cursor,
        empty=t.COMMITS_EMPTY,
    )
