"""What the bot counts, in Prometheus form, and its own event-loop lag.

One set of metrics per process, on prometheus_client's default registry; the HTTP server
exposes them at `/metrics`.
"""

import asyncio
import time
from collections import deque

from prometheus_client import Counter, Gauge, Histogram

EVENTS = Counter("sourcecheck_events", "Messages handed to the bot", ["platform"])
ANSWERED = Counter("sourcecheck_replies", "Replies posted", ["platform"])
DUPLICATES = Counter("sourcecheck_duplicates", "Messages already answered or claimed", ["platform"])
ANALYSES = Counter("sourcecheck_analyses", "Analyses by result", ["result"])
CACHE_HITS = Counter("sourcecheck_cache_hits", "Reports served from the cache")
FLAGS = Counter("sourcecheck_flags", "Assertions flagged in replies")
ERRORS = Counter("sourcecheck_errors", "Targets that could not be analysed, by code", ["code"])
BUSY = Counter("sourcecheck_busy", "Messages turned away because the pool was full")
RATE_LIMITED = Counter(
    "sourcecheck_rate_limited", "Messages skipped by a member or channel rate limit", ["platform"]
)
REPLY_SECONDS = Histogram(
    "sourcecheck_reply_seconds",
    "From receiving a message to its reply being posted",
    buckets=(0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120),
)
LOOP_LAG = Histogram(
    "sourcecheck_loop_lag_seconds",
    "How late the event loop ran a timer",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
LOOP_LAG_P99 = Gauge("sourcecheck_loop_lag_p99_seconds", "99th percentile loop lag, last minute")
LOOP_LAG_MAX = Gauge("sourcecheck_loop_lag_max_seconds", "Largest loop lag, last minute")


async def watch_loop_lag(interval: float = 0.1, window: int = 600) -> None:
    """Forever: sleep `interval`, record how much later than asked the loop woke us."""
    recent: deque[float] = deque(maxlen=window)
    while True:
        asked = time.perf_counter()
        await asyncio.sleep(interval)
        lag = max(0.0, time.perf_counter() - asked - interval)
        LOOP_LAG.observe(lag)
        recent.append(lag)
        ordered = sorted(recent)
        LOOP_LAG_P99.set(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))])
        LOOP_LAG_MAX.set(ordered[-1])
