"""Which failures of the store are an outage (retry later) and not a row it refuses (set it aside).

    except TRANSIENT: ...   # the database is down or busy: the same work may succeed later

The receiver answers an outage 503 (Sentry retries) and a refusal 400 (it would be refused again);
the router keeps a batch queued through an outage and splits one the store refuses.
"""

from __future__ import annotations

from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

__all__ = ["TRANSIENT"]

TRANSIENT = (OperationalError, InterfaceError, DisconnectionError, PoolTimeoutError, OSError, TimeoutError)
