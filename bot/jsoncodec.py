"""JSON for the hot paths: orjson where it can, Python's json where orjson refuses valid JSON.

    payload = jsoncodec.loads(body)      # raises ValueError when it is not JSON
    text = jsoncodec.dumps(payload)      # bytes

orjson refuses a lone UTF-16 surrogate escape (`"\\ud83d"`, a truncated emoji, as event messages
from JavaScript carry) and numbers beyond a double, which are valid JSON and which Python's json
reads and writes back. A webhook must not be refused, nor a row fail to store, for that. (orjson
reads an integer beyond 64 bits as a float; the outbox keeps the body as it came, digits and all.)
"""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["dumps", "loads"]


def loads(data: bytes | str) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


def dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except orjson.JSONEncodeError:
        return json.dumps(value, separators=(",", ":")).encode()
