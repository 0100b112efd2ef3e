"""Analysis on a distributed job queue: arq on Redis, with `sourcecheck worker` processes on
any number of hosts (set SOURCECHECK_QUEUE_URL; unset, the bot runs its own workers).

The bot still fetches every page itself, on its event loop and under its address policy; a
job carries the fetched page or the extracted article, never a link to fetch. Each worker
loads the spaCy model once (in its analysis process) and runs its jobs with the same time
limit as the in-process pool. A worker that dies mid-job loses nothing: its job's
in-progress mark expires and another worker runs the job once more; the bot's ledger still
answers the message once. Jobs are pickled, as arq does: the Redis server must be one only
sourcecheck and its operators can write to.
"""

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from analysis import AnalysisError, ErrorCode, Fetched, LoadedArticle, Report, Sensitivity
from bot.pool import Runner
from bot.workers import FAILED, STOPPED, overran

log = logging.getLogger(__name__)

MAX_TRIES = 2  # a job whose worker died is run once more
BACKSTOP = 5.0  # seconds past the time limit (which the worker enforces) before arq cancels
ARQ_IN_PROGRESS = 10.0  # seconds arq adds to a job's timeout before another worker may take it
QUEUE_WAIT = 120.0  # seconds a job may wait for a free worker before the bot gives up on it
POLL = 0.05  # seconds between looks for a job or its result


class QueueMissing(RuntimeError):
    """SOURCECHECK_QUEUE_URL is set but the queue's packages are not installed."""


def _arq() -> Any:
    """The arq package, or QueueMissing saying how to install it."""
    try:
        import arq
    except ImportError:
        raise QueueMissing(
            "SOURCECHECK_QUEUE_URL needs the queue packages: .venv/bin/pip install -e '.[queue]'"
        ) from None
    return arq


class QueueRunner:
    """The pool's runner when analyses run on the queue: each job is enqueued, and awaited
    until a worker has run it; `lanes` jobs of this bot's at a time."""

    def __init__(self, url: str, name: str, lanes: int, time_limit: float) -> None:
        self.lanes = lanes
        self._arq = _arq()
        self._settings = self._arq.connections.RedisSettings.from_dsn(url)
        self._name = name
        self._time_limit = time_limit
        self._redis: Any = None
        self._connecting = asyncio.Lock()

    async def load(self, fetched: Fetched) -> LoadedArticle:
        """A fetched target's extracted article, from a worker."""
        return await self._run("load", fetched)

    async def analyse(self, loaded: LoadedArticle, sensitivity: Sensitivity) -> Report:
        """An extracted article's report, from a worker."""
        return await self._run("analyse", loaded, sensitivity)

    async def _run(self, function: str, *args: object) -> Any:
        redis = await self._connection()
        job = await redis.enqueue_job(function, *args, _queue_name=self._name)
        tried = self._time_limit + BACKSTOP + ARQ_IN_PROGRESS
        try:
            result = await job.result(timeout=QUEUE_WAIT + MAX_TRIES * tried, poll_delay=POLL)
        except TimeoutError:
            raise overran(self._time_limit) from None
        except self._arq.jobs.JobExecutionFailed:  # tried MAX_TRIES times, each worker died
            raise AnalysisError(ErrorCode.INTERNAL, STOPPED) from None
        except Exception as error:  # an unexpected failure in a worker: its type only
            log.error("queue.job_failed", extra={"error": type(error).__name__})
            raise AnalysisError(ErrorCode.INTERNAL, FAILED) from None
        if isinstance(result, AnalysisError):
            raise result
        return result

    async def _connection(self) -> Any:
        async with self._connecting:
            if self._redis is None:
                self._redis = await self._arq.create_pool(
                    self._settings, default_queue_name=self._name
                )
        return self._redis

    def close(self) -> None:
        """Stop taking jobs; the connection closes with the event loop (jobs already queued
        are still run by the workers, and their results expire unread)."""
        self._redis = None


async def _load(ctx: dict[str, Any], fetched: Fetched) -> LoadedArticle | AnalysisError:
    """A job: extract. An AnalysisError is the job's answer, not its failure (arq would log
    a traceback for each page that is not an article)."""
    try:
        return await ctx["runner"].load(fetched)
    except AnalysisError as error:
        return error


async def _analyse(
    ctx: dict[str, Any], loaded: LoadedArticle, sensitivity: Sensitivity
) -> Report | AnalysisError:
    """A job: parse, judge and summarise; an AnalysisError is its answer, as above."""
    try:
        return await ctx["runner"].analyse(loaded, sensitivity)
    except AnalysisError as error:
        return error


def queue_worker(url: str, name: str, runner: Runner, time_limit: float) -> Any:
    """An arq worker that runs the queue's jobs with `runner` (its analysis processes), as
    many at a time as the runner has lanes."""
    arq = _arq()
    functions: Sequence[Any] = [
        arq.worker.func(_load, name="load"),
        arq.worker.func(_analyse, name="analyse"),
    ]
    return arq.Worker(
        functions=functions,
        queue_name=name,
        redis_settings=arq.connections.RedisSettings.from_dsn(url),
        ctx={"runner": runner},
        max_jobs=runner.lanes,
        job_timeout=time_limit + BACKSTOP,
        max_tries=MAX_TRIES,
        poll_delay=POLL,
        keep_result=QUEUE_WAIT,
        handle_signals=False,
        log_results=False,
    )


async def serve_queue(worker: Any, stop: asyncio.Event, grace: float) -> None:
    """Run `worker` until `stop` is set; then take no new job, let the running ones finish
    (for `grace` seconds at most: a job cut short is run again by another worker), close."""
    polling = asyncio.create_task(worker.async_run())
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait([polling, stopping], return_when=asyncio.FIRST_COMPLETED)
    for task in (polling, stopping):
        task.cancel()
    await asyncio.gather(polling, stopping, return_exceptions=True)
    running = [task for task in worker.tasks.values() if not task.done()]
    if running:
        await asyncio.wait(running, timeout=grace)
    log.info("worker.stopped", extra={"unfinished": sum(not t.done() for t in running)})
    await worker.close()
