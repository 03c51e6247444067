"""`python -m bot.store.migrations revision "what changed"`: write the next revision file.

Upgrades a scratch SQLite database to the current head, lets Alembic compare it with `metadata`,
and writes the difference as `versions/NNNN_what_changed.py` (see this package's docstring).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from bot.store.migrations import config, upgrade_on


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.store.migrations")
    sub = parser.add_subparsers(dest="action", required=True)
    revision = sub.add_parser("revision", help="write the next revision from the difference with metadata")
    revision.add_argument("message", help='what the revision does, e.g. "add webhook quarantine"')
    args = parser.parse_args(argv)

    cfg = config()
    cfg.set_main_option("file_template", "%%(rev)s")
    count = len(list(ScriptDirectory.from_config(cfg).walk_revisions()))
    # alembic_version.version_num is VARCHAR(32): "NNNN_" and at most 27 more.
    slug = re.sub(r"[^a-z0-9]+", "_", args.message.lower()).strip("_")[:27].rstrip("_")
    rev_id = f"{count + 1:04d}_{slug}"
    with tempfile.TemporaryDirectory() as scratch:
        engine = create_engine(f"sqlite:///{Path(scratch) / 'scratch.db'}")
        with engine.begin() as conn:
            upgrade_on(conn)
            cfg.attributes["connection"] = conn
            written = command.revision(cfg, message=args.message, autogenerate=True, rev_id=rev_id)
        engine.dispose()
    print(f"wrote {getattr(written, 'path', written)}: read it before committing", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
