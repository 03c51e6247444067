"""`python -m bot.sandbox`: serve the Sentry stand-in until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from bot.sandbox import SandboxState, run_sandbox, seed_state


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.sandbox", description="Serve a stand-in for Sentry's API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every API response")
    parser.add_argument("--token", default=None, help="accept only this bearer token (default: any)")
    args = parser.parse_args(argv)
    state = seed_state()
    state.latency = args.latency
    state.auth_token = args.token
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(state, args.host, args.port))
    return 0


async def _serve(state: SandboxState, host: str, port: int) -> None:
    async with run_sandbox(state, host=host, port=port) as url:
        print(f"Sentry sandbox for organization {state.org_slug!r} at {url} (API at {url}api/0/)", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    raise SystemExit(main())
