"""The read cache: fresh Sentry reads for `CACHE_TTL_SECONDS`, one in-flight call per key.

Keys are `(org, operation, parameters)`. Each entry carries tags (`"issue:123"`, `"members"`); a write
invalidates the tags it makes stale, so resolving an issue clears every read that showed that issue.
Concurrent identical reads share one call: the first caller starts it, the others await its result.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterable
from typing import Any, TypeVar

from cachetools import TTLCache

from bot.metrics import CACHE_LOOKUPS

__all__ = ["CacheKey", "ReadCache"]

T = TypeVar("T")
CacheKey = tuple[Hashable, ...]


class ReadCache:
    """A bounded TTL cache with single-flight loads and tag invalidation."""

    def __init__(self, *, ttl: float = 60.0, maxsize: int = 2048) -> None:
        self.ttl = ttl
        self._entries: TTLCache[CacheKey, tuple[Any, frozenset[str]]] = TTLCache(maxsize=maxsize, ttl=max(ttl, 0.001))
        self._inflight: dict[CacheKey, asyncio.Future[Any]] = {}
        self._generation = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    async def get_or_load(
        self,
        key: CacheKey,
        load: Callable[[], Awaitable[T]],
        *,
        tags: Callable[[T], Iterable[str]] | Iterable[str] = (),
    ) -> T:
        """The cached value for `key`, or the result of `load()` shared by every concurrent caller."""
        if self.ttl > 0 and key in self._entries:
            self.hits += 1
            CACHE_LOOKUPS.labels("hit").inc()
            return self._entries[key][0]  # type: ignore[no-any-return]
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
            tag_set = frozenset(tags(value) if callable(tags) else tags)
            self._entries[key] = (value, tag_set)
        return value

    def invalidate(self, *tags: str) -> int:
        """Drop every entry carrying one of `tags`; returns how many were dropped."""
        self._generation += 1
        wanted = set(tags)
        stale = [k for k, (_, entry_tags) in list(self._entries.items()) if entry_tags & wanted]
        for key in stale:
            self._entries.pop(key, None)
        return len(stale)

    def clear(self) -> None:
        self._generation += 1
        self._entries.clear()
