"""Analysis in worker processes, never on the event loop: the production runner of the pool.

Each worker is a process of its own that loads the spaCy model once, then runs one analysis
at a time: it extracts a fetched target, or analyses an extracted article at a sensitivity,
its model named at start. An
analysis that overruns the time limit has its worker killed and replaced, so no page can
hold a worker for long; a worker that dies is replaced too. Workers end when the bot process
ends, however it ends.
"""

import asyncio
import logging
import multiprocessing
import os
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from typing import Any

from analysis import (
    AnalysisError,
    ErrorCode,
    Fetched,
    LoadedArticle,
    Report,
    Sensitivity,
    analyse_loaded,
    load_fetched,
)
from analysis.nlp import load_pipeline

log = logging.getLogger(__name__)

TIME_LIMIT = 30.0
START_LIMIT = 180.0  # how long a new worker may take to load the model
READY = "ready"
OVERRAN = (
    "Analysing this took longer than the {limit:g} seconds allowed, so it was stopped. "
    "It may be unusually long or unusual text."
)
STOPPED = "The analysis stopped unexpectedly. Please try again."
FAILED = "Something went wrong while analysing this. Please try again."


def _serve(conn: Connection, model: str | None, parent: int) -> None:
    """A worker's life: load the model, say so, then run each job sent (extract a fetched
    target, or analyse an extracted article) until the pipe closes. Expected failures go
    back as AnalysisError; others by their type alone (their text may hold article
    content)."""
    _exit_with_parent(parent)
    load_pipeline(model)
    conn.send(READY)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            result: tuple[str, Any] = ("ok", _run(job, model))
        except AnalysisError as error:
            result = ("error", error)
        except Exception as error:  # reported to the pool, which logs it
            result = ("failed", type(error).__name__)
        try:
            conn.send(result)
        except OSError:  # the bot is gone (or gave up on this job): nobody to answer
            return


Job = tuple[Fetched] | tuple[LoadedArticle, Sensitivity]


def _run(job: Job, model: str | None) -> LoadedArticle | Report:
    """Extract a fetched target, or analyse an extracted article."""
    match job:
        case (Fetched() as fetched,):
            return load_fetched(fetched)
        case (LoadedArticle() as loaded, Sensitivity() as sensitivity):
            return analyse_loaded(loaded, sensitivity, model)
    raise TypeError("unknown job")


def overran(limit: float) -> AnalysisError:
    """The error (logged) of a job that took longer than `limit` seconds."""
    log.warning("analysis.overran", extra={"limit_s": limit})
    return AnalysisError(ErrorCode.TIMEOUT, OVERRAN.format(limit=limit))


def _exit_with_parent(parent: int, interval: float = 1.0) -> None:
    """End this worker when the bot process (`parent`) dies, even by kill -9, instead of
    lingering with the model in memory: a daemon thread watches the parent's pid."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class _Worker:
    """One worker process and the pipe to it."""

    def __init__(self, model: str | None) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_serve,
            args=(child, model, os.getpid()),
            name="sourcecheck-worker",
            daemon=True,
        )
        self.process.start()
        child.close()
        self.ready = False

    @property
    def pid(self) -> int | None:
        """The worker's process id."""
        return self.process.pid

    def run(self, job: Job, limit: float) -> Any:
        """Run one job, blocking this thread. Raises AnalysisError; TimeoutError when the
        job overran `limit` seconds; EOFError when the worker died."""
        if not self.ready:
            if not self.conn.poll(START_LIMIT) or self.conn.recv() != READY:
                raise EOFError("the worker did not start")
            self.ready = True
        self.conn.send(job)
        if not self.conn.poll(limit):
            raise TimeoutError
        status, value = self.conn.recv()
        if status == "error":
            raise value
        if status == "failed":
            log.error("analysis.failed", extra={"error": value})
            raise AnalysisError(ErrorCode.INTERNAL, FAILED)
        return value

    def kill(self) -> None:
        """Stop the worker now."""
        self.process.kill()
        self.process.join(5)
        self.conn.close()


class ProcessRunner:
    """Worker processes, each replaced when it overruns or dies."""

    def __init__(self, workers: int, model: str | None, time_limit: float = TIME_LIMIT) -> None:
        self.workers = workers
        self.model = model
        self.time_limit = time_limit
        self.replaced = 0
        self._closed = False
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._all: list[_Worker] = []
        self._lock = threading.Lock()
        for _ in range(workers):
            self._idle.put(self._start())
        self._threads = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="analysis")

    def _start(self) -> _Worker:
        worker = _Worker(self.model)
        with self._lock:
            self._all.append(worker)
        return worker

    def _replace(self, worker: _Worker) -> _Worker:
        worker.kill()
        if self._closed:
            return worker
        with self._lock:
            self._all.remove(worker)
            self.replaced += 1
        return self._start()

    @property
    def pids(self) -> list[int]:
        """The process ids of the workers now running."""
        with self._lock:
            return [w.pid for w in self._all if w.pid is not None]

    @property
    def lanes(self) -> int:
        """How many jobs run at once: one per worker."""
        return self.workers

    async def load(self, fetched: Fetched) -> LoadedArticle:
        """A fetched target's extracted article, from an idle worker."""
        return await self._submit((fetched,))

    async def analyse(self, loaded: LoadedArticle, sensitivity: Sensitivity) -> Report:
        """An extracted article's report, from an idle worker."""
        return await self._submit((loaded, sensitivity))

    async def _submit(self, job: Job) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._threads, self._job, job)

    def _job(self, job: Job) -> Any:
        """Run one job on an idle worker (in one of the runner's threads, one per worker)."""
        worker = self._idle.get()
        try:
            return worker.run(job, self.time_limit)
        except TimeoutError:
            worker = self._replace(worker)
            raise overran(self.time_limit) from None
        except (EOFError, OSError):
            log.error("worker.died; starting another")
            worker = self._replace(worker)
            raise AnalysisError(ErrorCode.INTERNAL, STOPPED) from None
        finally:
            self._idle.put(worker)

    def close(self) -> None:
        """Stop the workers; analyses still running fail (a held message is answered by
        the next run)."""
        self._closed = True
        self._threads.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            workers, self._all = self._all, []
        for worker in workers:
            worker.kill()
        self._threads.shutdown(wait=True)
