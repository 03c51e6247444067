"""Sentry's cursor paging, read from the `Link` header.

    <URL>; rel="previous"; results="false"; cursor="0:0:1", <URL>; rel="next"; results="true"; cursor="0:100:0"

A `next` link is always present; there is another page only when its `results` is "true".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

__all__ = ["Page", "next_cursor"]

T = TypeVar("T")

_LINK = re.compile(r"<(?P<url>[^>]*)>\s*;(?P<params>[^,<]*)")
_PARAM = re.compile(r'(\w+)\s*=\s*"([^"]*)"')


def next_cursor(link_header: str | None) -> str | None:
    """The cursor of the next page, or None when Sentry says there are no more results."""
    if not link_header:
        return None
    for match in _LINK.finditer(link_header):
        params = dict(_PARAM.findall(match.group("params")))
        if params.get("rel") == "next":
            if params.get("results") == "true" and params.get("cursor"):
                return str(params["cursor"])
            return None
    return None


@dataclass(frozen=True)
class Page(Generic[T]):
    """Items from one or more pages; `next_cursor` is set when more remain beyond the page cap."""

    items: list[T] = field(default_factory=list)
    next_cursor: str | None = None

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)
