"""Stoplight Prism serving Sentry's published OpenAPI schema: a validating stand-in for sentry.io.

Contract tests point the bot's Sentry client at it: a request that breaks the schema is
answered 422 (problem+json `validation`) or 400 with the reasons in `sl-violations`, and a
valid one gets sentry.io's own example response. `/work/shared/sentry-api/README.md` has details.

Locations (environment first, so CI and developers can point elsewhere):
- schema: `SENTRY_OPENAPI`, else `<repo>/../shared/sentry-api/openapi.json`;
- binary: `PRISM`, else `$PRISM_PREFIX/node_modules/.bin/prism` (PRISM_PREFIX defaults to the
  cache `.ci/run` installs into), else `/tmp/prism/node_modules/.bin/prism`, else `prism` on PATH.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

__all__ = [
    "PrismServer",
    "PrismUnavailable",
    "find_openapi",
    "find_patch_script",
    "find_prism",
    "openapi_path",
    "paging_spec",
    "prism_violations",
    "running_prism",
]

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PRISM_PREFIX = Path.home() / ".cache" / "sentry-bot" / "prism"
# The issue-update operations whose 12 "required" fields Sentry really treats as optional
# (partial=True); patch_for_prism.py --relax-required fixes them if the schema still has them.
_RELAX = (
    ("PUT", "/api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/"),
    ("PUT", "/api/0/organizations/{organization_id_or_slug}/issues/"),
)


class PrismUnavailable(RuntimeError):
    """The schema or the Prism binary is missing, or Prism would not start."""


def openapi_path() -> Path:
    """Where the schema should be: SENTRY_OPENAPI, else ../shared/sentry-api/openapi.json."""
    env = os.environ.get("SENTRY_OPENAPI")
    return Path(env) if env else REPO_ROOT.parent / "shared" / "sentry-api" / "openapi.json"


def find_openapi() -> Path | None:
    path = openapi_path()
    return path if path.is_file() else None


def find_patch_script(spec: Path | None = None) -> Path | None:
    """patch_for_prism.py: beside the schema, else in the shared folder."""
    candidates = [REPO_ROOT.parent / "shared" / "sentry-api" / "patch_for_prism.py"]
    if spec is not None:
        candidates.insert(0, spec.parent / "patch_for_prism.py")
    return next((p for p in candidates if p.is_file()), None)


def find_prism() -> Path | None:
    if env := os.environ.get("PRISM"):
        return Path(env) if os.access(env, os.X_OK) else None
    prefix = Path(os.environ.get("PRISM_PREFIX") or DEFAULT_PRISM_PREFIX)
    # /tmp/prism is where shared/sentry-api/README.md installs it.
    legacy = Path("/tmp/prism/node_modules/.bin/prism")  # noqa: S108 (read-only lookup, not a temp file)
    for candidate in (prefix / "node_modules/.bin/prism", legacy):
        if os.access(candidate, os.X_OK):
            return candidate
    on_path = shutil.which("prism")
    return Path(on_path) if on_path else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrismServer:
    """`prism mock` on 127.0.0.1:<port> as a child process.

    Started directly rather than through shared/sentry-api/prism.sh so that this process owns
    the child (it can always stop it) and can retry on a port taken between pick and bind.
    """

    def __init__(
        self,
        spec: Path,
        *,
        prism: Path,
        log: Path,
        port: int | None = None,
        extra_args: tuple[str, ...] = (),
        wait: float | None = None,
    ) -> None:
        self.spec, self.prism, self.log, self.extra_args = spec, prism, log, extra_args
        # Startup takes ~2 s here; the margin is for a loaded CI machine.
        self.wait = wait if wait is not None else float(os.environ.get("PRISM_WAIT", "90"))
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Base URL in SENTRY_URL style: `http://127.0.0.1:PORT/` (the API is under `api/0/`)."""
        return f"http://127.0.0.1:{self.port}/"

    def __enter__(self) -> PrismServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        fixed_port = self.port is not None
        for _attempt in range(1 if fixed_port else 3):
            if not fixed_port:
                self.port = _free_port()
            if self._try_start():
                return
            if "EADDRINUSE" not in self._log_tail():
                break
        raise PrismUnavailable(f"prism did not start on {self.url}; log {self.log}:\n{self._log_tail()}")

    def _try_start(self) -> bool:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        cmd = [str(self.prism), "mock", "-h", "127.0.0.1", "-p", str(self.port), *self.extra_args, str(self.spec)]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + self.wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            if self._answers():
                return True
            time.sleep(0.2)
        self.stop()
        return False

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.url, timeout=2):  # noqa: S310 (fixed loopback http URL)
                return True
        except urllib.error.HTTPError:
            return True  # any HTTP answer (404 for "/") means Prism is serving
        except OSError:
            return False

    def _log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None


def _still_required(spec: Path) -> list[tuple[str, str]]:
    """Which of the issue-update operations still mark their body fields required."""
    data = json.loads(spec.read_text())
    out = []
    for method, path in _RELAX:
        op = data.get("paths", {}).get(path, {}).get(method.lower())
        contents = ((op or {}).get("requestBody") or {}).get("content", {}).values()
        if any("required" in (media.get("schema") or {}) for media in contents):
            out.append((method, path))
    return out


def paging_spec(spec: Path, dst: Path, *, link_headers: Literal["last", "more"], link_base: str) -> Path:
    """Write a copy of `spec` whose paginated operations send Sentry's `Link` header.

    The shared openapi.json already had --relax-required applied (README); it is passed again
    only for operations that still need it, so a raw openapi-derefed.json works too.
    """
    script = find_patch_script(spec)
    if script is None:
        raise PrismUnavailable("patch_for_prism.py not found beside the schema or in ../shared/sentry-api/")
    cmd = [sys.executable, str(script), str(spec), str(dst), "--link-headers", link_headers]
    cmd += ["--link-base", link_base]
    for method, path in _still_required(spec):
        cmd += ["--relax-required", method, path]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise PrismUnavailable(f"patch_for_prism.py failed ({done.returncode}):\n{done.stderr or done.stdout}")
    return dst


@contextlib.contextmanager
def running_prism(
    workdir: Path, *, link_headers: Literal["last", "more"] | None = None, extra_args: tuple[str, ...] = ()
) -> Iterator[PrismServer]:
    """Find the schema and Prism, start it (on a paging copy of the schema if asked), stop it after.

    Raises PrismUnavailable with the reason; the pytest fixtures turn that into a skip, or a
    failure under CI=true.
    """
    spec = find_openapi()
    if spec is None:
        raise PrismUnavailable(f"Sentry's OpenAPI schema not found at {openapi_path()} (set SENTRY_OPENAPI)")
    prism = find_prism()
    if prism is None:
        raise PrismUnavailable(
            "Prism not found: set PRISM, or run `npm install --prefix "
            f"{os.environ.get('PRISM_PREFIX') or DEFAULT_PRISM_PREFIX} @stoplight/prism-cli@5`"
        )
    server = PrismServer(spec, prism=prism, log=workdir / "prism.log", extra_args=extra_args)
    if link_headers is not None:
        # The port must be known before patching, so the Link URLs point at this server and a
        # client that follows them never reaches the real sentry.io.
        server.port = _free_port()
        server.spec = paging_spec(
            spec, workdir / f"openapi-{link_headers}.json", link_headers=link_headers, link_base=server.url + "api/0/"
        )
    with server:
        yield server


def _format(violation: Mapping[str, Any]) -> str:
    location = ".".join(str(part) for part in violation.get("location") or [])
    severity = violation.get("severity", "Error")
    prefix = "" if severity == "Error" else f"{severity}: "
    return f"{prefix}{location}: {violation.get('message', violation)}" if location else f"{prefix}{violation}"


def prism_violations(response_headers: Mapping[str, str], body: bytes | str | Mapping[str, Any] | None) -> list[str]:
    """Every schema violation Prism reported, as `location: message` strings.

    Prism reports them in two places: the `sl-violations` header (on 400/401 answers, and on
    2xx answers with warnings) and, for a 422, the problem+json body's `validation` list.
    """
    found: list[str] = []
    header = next((v for k, v in response_headers.items() if k.lower() == "sl-violations"), None)
    if header:
        try:
            items = json.loads(header)
        except ValueError:
            found.append(header)
        else:
            found += [_format(v) for v in items if isinstance(v, Mapping)]
    if isinstance(body, bytes | str) and body:
        try:
            body = json.loads(body)
        except ValueError:
            body = None
    if isinstance(body, Mapping) and isinstance(body.get("validation"), list):
        found += [_format(v) for v in body["validation"] if isinstance(v, Mapping)]
    return found
