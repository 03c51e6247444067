"""A stand-in for Sentry's REST API, seeded with a believable sample organization.

The bot's end-to-end tests, the demo console (`sentry-bot console --demo`) and the benchmarks run
against it. It keeps state (writes show up in later reads), follows Sentry's conventions (auth,
error bodies, paging, rate limit headers) and can be told to fail or slow down:

    state = seed_state()                     # organization "acme"
    async with run_sandbox(state) as url:    # url is the SENTRY_URL; the API is at url + "api/0/"
        state.fail_next(status=429)          # the next API request gets Sentry's 429
        ...
        assert len(state.calls("/issues/")) == 1

`python -m bot.sandbox --port 8000` serves it on its own.
"""

from bot.sandbox.seed import seed_state
from bot.sandbox.server import create_app, run_sandbox
from bot.sandbox.state import SandboxState

__all__ = ["SandboxState", "create_app", "run_sandbox", "seed_state"]
