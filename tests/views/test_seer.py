"""What the bot posts about a Seer run: Seer's words are outside text, and the result fits Slack."""

from __future__ import annotations

from bot.sentry.models import AutofixRun
from bot.views.seer import seer_progress, seer_result
from tests.views.builders import issue
from tests.views.limits import assert_within_limits


def run(**overrides: object) -> AutofixRun:
    steps = [
        {
            "key": "root_cause_analysis",
            "title": "Root Cause Analysis",
            "status": "COMPLETED",
            "progress": [{"message": "Here is the root cause."}],
            "causes": [
                {
                    "description": "<!channel> `cart` is *undefined*",
                    "root_cause_reproduction": [
                        {"title": "A request without a session", "is_most_important_event": False},
                        {"title": "<https://evil.example|click> dereferences it", "is_most_important_event": True},
                    ],
                }
            ],
        },
        {
            "key": "solution",
            "title": "Planning Solution",
            "status": "COMPLETED",
            "solution": [{"title": f"Step {n} & more"} for n in range(40)],
        },
    ]
    data: dict[str, object] = {
        "run_id": 1,
        "status": "COMPLETED",
        "steps": steps,
        "repositories": [{"url": "https://github.com/acme/web", "name": "acme/web"}],
    }
    data.update(overrides)
    return AutofixRun.model_validate(data)


def test_seers_words_are_escaped_and_the_result_fits_slacks_limits():
    message = seer_result(issue(), run())
    assert_within_limits(message)
    shown = str(message["blocks"])
    assert "&lt;!channel&gt;" in shown and "<!channel>" not in shown
    assert "<https://evil.example|click>" not in shown
    assert "Step 9 &amp; more" in shown and "Step 10 " not in shown  # the first ten steps
    assert "<https://github.com/acme/web|acme/web>" in shown


def test_a_step_says_what_it_did_last():
    (step,) = run().steps[:1]
    assert "Here is the root cause." in str(seer_progress(step)["blocks"])
