"""bot.jsoncodec: orjson's speed without refusing JSON that Python's json accepts."""

from __future__ import annotations

import json

import pytest

from bot import jsoncodec


@pytest.mark.parametrize(
    "text",
    [
        '{"title": "cut in half \\ud83d"}',  # a lone surrogate escape: orjson refuses it
        '{"plain": ["a", 1, 2.5, null, true]}',
    ],
)
def test_whatever_pythons_json_reads_is_read_the_same(text: str) -> None:
    assert jsoncodec.loads(text.encode()) == json.loads(text)
    assert json.loads(jsoncodec.dumps(jsoncodec.loads(text))) == json.loads(text)


def test_what_is_not_json_raises_value_error() -> None:
    with pytest.raises(ValueError, match="property name"):
        jsoncodec.loads(b"{not json")
