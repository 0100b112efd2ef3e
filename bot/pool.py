"""The bounded analysis pool: places for analyses, the fetch on the event loop, a line for
the runner's lanes, and a runner that does the CPU work (worker processes in production,
the bot's own process with `SOURCECHECK_WORKERS=0`, or a test's stand-in: the errbot
test-backend idea).

The pool takes at most `capacity` analyses at a time; `reserve()` says no beyond that, so
the bot can make a message wait or tell the user it is busy instead of queueing without
bound. An analysis is two jobs: extract (short), then parse, judge and summarise (as long as
the text). Jobs wait in one line for the runner's lanes, each placed at its arrival time plus
one second per `PATIENCE` characters of its text: a short article overtakes a long one that
arrived a little earlier, and a long one is overtaken only by what arrives within that time,
so one huge page cannot hold up everyone's reply, nor be held up for ever.
"""

import asyncio
import heapq
import itertools
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

from analysis import Fetched, FetchPolicy, LoadedArticle, Report, Sensitivity, Target, fetch

PATIENCE = 10_000  # characters of text per second a job lets later jobs go first


class Runner(Protocol):
    """What runs the CPU work of an analysis, `lanes` jobs at a time."""

    lanes: int

    async def load(self, fetched: Fetched) -> LoadedArticle:
        """Extract a fetched target's article. Raises AnalysisError."""
        ...

    async def analyse(self, loaded: LoadedArticle, sensitivity: Sensitivity) -> Report:
        """Parse, judge and summarise an extracted article. Raises AnalysisError."""
        ...

    def close(self) -> None:
        """Stop; jobs still running fail."""
        ...


class AnalysisPool:
    """Places for `capacity` analyses at a time, run by `runner` in the order of the line."""

    def __init__(
        self,
        runner: Runner,
        capacity: int,
        policy: FetchPolicy,
        sensitivity: Sensitivity = Sensitivity.MEDIUM,
    ) -> None:
        self.runner = runner
        self.capacity = capacity
        self.policy = policy
        self.sensitivity = sensitivity
        self.in_use = 0
        self._running = 0
        self._line: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def reserve(self, count: int) -> bool:
        """Take `count` places for analyses, or none if the pool is full."""
        if self.in_use + count > self.capacity:
            return False
        self.in_use += count
        return True

    def release(self, count: int) -> None:
        """Give back places taken by `reserve`."""
        self.in_use = max(0, self.in_use - count)

    async def analyse(self, target: Target) -> Report:
        """Analyse a link or pasted text. The page is fetched here, on the event loop, so
        slow sites never hold a worker; the rest runs in the runner. Raises AnalysisError."""
        fetched = await fetch(target, self.policy)
        loaded = await self._in_turn(0, lambda: self.runner.load(fetched))
        characters = len(loaded.article.body)
        return await self._in_turn(
            characters, lambda: self.runner.analyse(loaded, self.sensitivity)
        )

    async def _in_turn[T](self, characters: int, job: Callable[[], Awaitable[T]]) -> T:
        """Run `job` when its turn in the line comes."""
        await self._wait_turn(time.monotonic() + characters / PATIENCE)
        try:
            return await job()
        finally:  # passed on at the next tick, so this analysis's next job is in line first
            asyncio.get_running_loop().call_soon(self._pass_turn)

    async def _wait_turn(self, place: float) -> None:
        if self._running < self.runner.lanes and not self._line:
            self._running += 1
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._line, (place, next(self._order), turn))
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._pass_turn()  # the turn came as this job was cancelled: pass it on
            raise

    def _pass_turn(self) -> None:
        """A job is done: its lane goes to the first in line that still waits, or is free."""
        while self._line:
            _, _, turn = heapq.heappop(self._line)
            if not turn.done():
                turn.set_result(None)
                return
        self._running -= 1

    def close(self) -> None:
        """Stop the runner."""
        self.runner.close()
