"""What the bot posts about a Seer run: that it started, its steps as they finish, and its result."""

from __future__ import annotations

from bot.sentry.models import AutofixRun, AutofixStep, Issue
from bot.views.blocks import Block, context, esc, header, link, message, section, truncate
from bot.views.common import Message, notice

__all__ = ["seer_failed", "seer_progress", "seer_result", "seer_started", "seer_still_running", "seer_url"]

TEXT_MAX = 2900
STEPS_SHOWN = 10


def _issue(issue: Issue) -> str:
    label = issue.short_id or issue.id
    return link(issue.permalink, label) if issue.permalink else f"*{esc(label)}*"


def seer_url(issue: Issue) -> str | None:
    """Where Sentry shows the run: the issue page with Seer's drawer open."""
    return f"{issue.permalink.rstrip('/')}/?seerDrawer=true" if issue.permalink else None


def seer_started(issue: Issue, *, by: str) -> Message:
    text = f"🔎 Seer is looking for the root cause of {_issue(issue)} · asked by <@{esc(by)}>"
    return message(f"Seer is looking into {esc(issue.short_id or issue.id)}", [section(text)])


def seer_progress(step: AutofixStep) -> Message:
    """One step done (or under way): its title and the last thing it said."""
    said = next((str(p.get("message")) for p in reversed(step.progress) if p.get("message")), "")
    mark = "✅" if step.status == "COMPLETED" else "⏳"
    line = f"{mark} {esc(step.title or step.key or 'Step')}"
    if said:
        line += f" · {truncate(esc(said), 500)}"
    return message(f"Seer: {esc(step.title or 'step')}", [context(line)])


def _root_cause(run: AutofixRun) -> list[Block]:
    step = next((s for s in run.steps if s.causes), None)
    if step is None:
        return []
    cause = step.causes[0]
    blocks = [section(f"*Root cause*\n{truncate(esc(cause.get('description') or ''), TEXT_MAX)}")]
    events = [e for e in cause.get("root_cause_reproduction") or [] if isinstance(e, dict)]
    if events:
        lines = [
            f"{n}. {'*' if e.get('is_most_important_event') else ''}{esc(e.get('title') or '')}"
            f"{'*' if e.get('is_most_important_event') else ''}"
            for n, e in enumerate(events[:STEPS_SHOWN], 1)
        ]
        blocks.append(section(truncate("*How it happens*\n" + "\n".join(lines), TEXT_MAX)))
    return blocks


def _solution(run: AutofixRun) -> list[Block]:
    step = next((s for s in run.steps if s.solution), None)
    if step is None:
        return []
    items = [i for i in step.solution if isinstance(i, dict) and i.get("title")]
    lines = [f"{n}. {esc(i['title'])}" for n, i in enumerate(items[:STEPS_SHOWN], 1)]
    return [section(truncate("*Proposed steps*\n" + "\n".join(lines), TEXT_MAX))] if lines else []


def seer_result(issue: Issue, run: AutofixRun) -> Message:
    """The root cause, how it happens, the proposed steps, and links to the run and its repositories."""
    blocks: list[Block] = [header(f"Seer: {truncate(issue.short_id or issue.id, 100)}")]
    blocks += _root_cause(run) or [section("Seer finished without naming a root cause.")]
    blocks += _solution(run)
    links = [link(url, "Open in Sentry")] if (url := seer_url(issue)) else []
    links += [link(str(r["url"]), str(r.get("name") or r["url"])) for r in run.repositories if r.get("url")]
    if links:
        blocks.append(context(" · ".join(links[:10])))
    return message(f"Seer's root cause of {esc(issue.short_id or issue.id)}", blocks)


def seer_still_running(issue: Issue, *, minutes: int) -> Message:
    where = link(url, "in Sentry") if (url := seer_url(issue)) else "in Sentry"
    return notice(
        f"⏳ Seer is still working on {_issue(issue)} after {minutes} min; I stop following it here. See it {where}."
    )


def seer_failed(issue: Issue, status: str) -> Message:
    where = link(url, "in Sentry") if (url := seer_url(issue)) else "in Sentry"
    return notice(f"⚠️ Seer stopped on {_issue(issue)} ({esc(status.lower())}). See what it found {where}.")
