"""Analysis in the bot's own process (`SOURCECHECK_WORKERS=0`): one thread, the model loaded
once at start. It saves a worker process and its copy of the model, for tests and small
machines; a job that overruns the time limit is abandoned (its thread finishes it in the
background), not killed, so production runs worker processes."""

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from analysis import (
    Fetched,
    LoadedArticle,
    Report,
    Sensitivity,
    analyse_loaded,
    load_fetched,
)
from analysis.nlp import load_pipeline
from bot.workers import TIME_LIMIT, overran


class InlineRunner:
    """Runs jobs one at a time on a thread of this process."""

    lanes = 1

    def __init__(self, model: str | None, time_limit: float = TIME_LIMIT) -> None:
        self.model = model
        self.time_limit = time_limit
        load_pipeline(model)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="analysis")

    async def load(self, fetched: Fetched) -> LoadedArticle:
        """A fetched target's extracted article."""
        return await self._within_limit(load_fetched, fetched)

    async def analyse(self, loaded: LoadedArticle, sensitivity: Sensitivity) -> Report:
        """An extracted article's report."""
        return await self._within_limit(analyse_loaded, loaded, sensitivity, self.model)

    async def _within_limit[T](self, function: Callable[..., T], *args: object) -> T:
        loop = asyncio.get_running_loop()
        job = loop.run_in_executor(self._thread, function, *args)
        try:
            return await asyncio.wait_for(job, self.time_limit)
        except TimeoutError:
            raise overran(self.time_limit) from None

    def close(self) -> None:
        """Stop taking jobs."""
        self._thread.shutdown(wait=False, cancel_futures=True)
