"""The reports of the links shared most recently, kept parsed in memory: a link going round a
busy channel is read from the database and parsed once, not once per message. Bounded (least
recently used out first); an entry lives no longer than the cache's lifetime."""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from analysis import Report

SIZE = 128


class RecentReports:
    """A bounded, expiring map of cache key to parsed report; safe across threads."""

    def __init__(
        self, ttl: float, size: int = SIZE, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.size = size
        self.clock = clock
        self._reports: OrderedDict[str, tuple[float, Report]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Report | None:
        """The report kept for `key`, if it is still fresh."""
        with self._lock:
            kept = self._reports.get(key)
            if kept is None:
                return None
            if self.clock() - kept[0] > self.ttl:
                del self._reports[key]
                return None
            self._reports.move_to_end(key)
            return kept[1]

    def put(self, key: str, report: Report) -> None:
        """Keep `report` for `key`, dropping the least recently used beyond the size."""
        with self._lock:
            self._reports[key] = (self.clock(), report)
            self._reports.move_to_end(key)
            while len(self._reports) > self.size:
                self._reports.popitem(last=False)
