"""The bounded analysis pool: places for analyses, the fetch on the event loop, and a runner
that does the CPU work (worker processes in production, the bot's own process with
`SOURCECHECK_WORKERS=0`, or a test's stand-in: the errbot test-backend idea).

The pool takes at most `capacity` analyses at a time; `reserve()` says no beyond that, so
the bot can make a message wait or tell the user it is busy instead of queueing without
bound.
"""

from typing import Protocol

from analysis import Fetched, FetchPolicy, Report, Sensitivity, Target, fetch


class Runner(Protocol):
    """What runs the CPU half of an analysis (extract, NLP, judgement, summary)."""

    async def run(self, fetched: Fetched, sensitivity: Sensitivity) -> Report:
        """The report of one fetched target. Raises AnalysisError."""
        ...

    def close(self) -> None:
        """Stop; analyses still running fail."""
        ...


class AnalysisPool:
    """Places for `capacity` analyses at a time, run by `runner`."""

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
        return await self.runner.run(await fetch(target, self.policy), self.sensitivity)

    def close(self) -> None:
        """Stop the runner."""
        self.runner.close()
