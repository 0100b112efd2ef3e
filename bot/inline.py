"""Analysis in the bot's own process (`SOURCECHECK_WORKERS=0`): one thread, the model loaded
once at start. It saves a worker process and its copy of the model, for tests and small
machines; an analysis that overruns the time limit is abandoned (its thread finishes in the
background), not killed, so production runs worker processes."""

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from analysis import AnalysisError, ErrorCode, Fetched, Report, Sensitivity, analyse_fetched
from analysis.nlp import load_pipeline
from bot.workers import OVERRAN, TIME_LIMIT

log = logging.getLogger(__name__)


class InlineRunner:
    """Runs analyses one at a time on a thread of this process."""

    def __init__(self, model: str | None, time_limit: float = TIME_LIMIT) -> None:
        self.model = model
        self.time_limit = time_limit
        load_pipeline(model)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="analysis")

    async def run(self, fetched: Fetched, sensitivity: Sensitivity) -> Report:
        """The report of one fetched target, or TIMEOUT past the time limit."""
        loop = asyncio.get_running_loop()
        job = loop.run_in_executor(self._thread, analyse_fetched, fetched, sensitivity, self.model)
        try:
            return await asyncio.wait_for(job, self.time_limit)
        except TimeoutError:
            log.warning("analysis.overran", extra={"limit_s": self.time_limit})
            raise AnalysisError(ErrorCode.TIMEOUT, OVERRAN.format(limit=self.time_limit)) from None

    def close(self) -> None:
        """Stop taking analyses."""
        self._thread.shutdown(wait=False, cancel_futures=True)
