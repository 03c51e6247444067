"""The read cache: fresh Sentry reads for `CACHE_TTL_SECONDS`, one in-flight call per key.

Keys are `(org, operation, path, query)`: the client builds them from the request it sends, so two reads
share an entry only when they would send the same request. Each entry carries tags (`"issue:123"`, `"members"`); a write
invalidates the tags it makes stale, so resolving an issue clears every read that showed that issue.
Concurrent identical reads share one call: the first caller starts it, the others await its result.
The cache is bounded by entries and by bytes (the JSON size of what it keeps); an answer larger than
`max_entry_bytes` is served but not kept, and a log line says so.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable, Iterable
from typing import Any, TypeVar

import pydantic_core
from cachetools import TTLCache

from bot.metrics import CACHE_LOOKUPS

__all__ = ["CacheKey", "ReadCache", "size_of"]

log = logging.getLogger("bot.sentry.cache")

T = TypeVar("T")
CacheKey = tuple[Hashable, ...]
_Entry = tuple[Any, frozenset[str], int]

MIB = 1024 * 1024


def size_of(value: Any) -> int:
    """Bytes `value` takes as JSON: close to the size of the Sentry answer it was parsed from."""
    return len(pydantic_core.to_json(value, fallback=repr))


class ReadCache:
    """A bounded TTL cache with single-flight loads and tag invalidation."""

    def __init__(
        self,
        *,
        ttl: float = 60.0,
        maxsize: int = 2048,
        maxbytes: int = 64 * MIB,
        max_entry_bytes: int | None = None,
    ) -> None:
        """
        Args:
            ttl: seconds an entry stays fresh; 0 turns caching off (single flight stays).
            maxsize: entries kept at most.
            maxbytes: bytes kept at most, summed over entries (oldest entries go first).
            max_entry_bytes: the largest answer kept; larger ones are served and not kept
                (default an eighth of `maxbytes`, so one answer cannot flush the rest).
        """
        self.ttl = ttl
        self.maxsize = maxsize
        self.max_entry_bytes = min(maxbytes, max_entry_bytes if max_entry_bytes is not None else maxbytes // 8)
        self._entries: TTLCache[CacheKey, _Entry] = TTLCache(
            maxsize=maxbytes, ttl=max(ttl, 0.001), getsizeof=lambda entry: entry[2]
        )
        self._inflight: dict[CacheKey, asyncio.Future[Any]] = {}
        self._generation = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def bytes(self) -> int:
        """Bytes held by the entries still in the cache."""
        return int(self._entries.currsize)

    async def get_or_load(
        self,
        key: CacheKey,
        load: Callable[[], Awaitable[T]],
        *,
        tags: Callable[[T], Iterable[str]] | Iterable[str] = (),
    ) -> T:
        """The cached value for `key`, or the result of `load()` shared by every concurrent caller."""
        entry = self._entries.get(key) if self.ttl > 0 else None
        if entry is not None:
            self.hits += 1
            CACHE_LOOKUPS.labels("hit").inc()
            return entry[0]  # type: ignore[no-any-return]
        pending = self._inflight.get(key)
        if pending is not None:
            self.hits += 1
            CACHE_LOOKUPS.labels("hit").inc()
            return await asyncio.shield(pending)
        self.misses += 1
        CACHE_LOOKUPS.labels("miss").inc()
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        generation = self._generation
        try:
            value = await load()
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BaseException as exc:
            future.set_exception(exc)
            # Mark retrieved: waiters may be none, and an unobserved exception would be logged.
            future.exception()
            raise
        finally:
            self._inflight.pop(key, None)
        future.set_result(value)
        # A write that landed while this read was in flight may have made it stale already.
        if self.ttl > 0 and generation == self._generation:
            self._keep(key, value, frozenset(tags(value) if callable(tags) else tags))
        return value

    def _keep(self, key: CacheKey, value: Any, tags: frozenset[str]) -> None:
        size = size_of(value)
        if size > self.max_entry_bytes:
            log.info(
                "sentry.cache.too_big",
                extra={"operation": key[1] if len(key) > 1 else "", "bytes": size, "limit": self.max_entry_bytes},
            )
            return
        self._entries.pop(key, None)
        while self._entries and len(self._entries) >= self.maxsize:
            self._entries.popitem()
        self._entries[key] = (value, tags, size)

    def invalidate(self, *tags: str) -> int:
        """Drop every entry carrying one of `tags`; returns how many were dropped."""
        self._generation += 1
        wanted = set(tags)
        stale = [k for k, (_, entry_tags, _) in list(self._entries.items()) if entry_tags & wanted]
        for key in stale:
            self._entries.pop(key, None)
        return len(stale)

    def clear(self) -> None:
        self._generation += 1
        self._entries.clear()
