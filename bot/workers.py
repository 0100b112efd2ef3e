"""The analysis worker pool: analysis runs in worker processes, never on the event loop.

Each worker loads the spaCy model once, when it starts, and ends when the bot process
ends, however it ends. The pool takes at most
`workers + queue_size` analyses at a time; `reserve()` says no beyond that, so the bot can
tell the user it is busy instead of queueing without bound.
"""

import asyncio
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from analysis import (
    AnalysisError,
    AnalysisOptions,
    ErrorCode,
    FetchedPage,
    Report,
    fetch_page,
    load_page,
    load_text,
    report_article,
)
from analysis.nlp import load_pipeline

log = logging.getLogger(__name__)


def _warm(model: str | None) -> None:
    _exit_with_parent()
    load_pipeline(model)


def _exit_with_parent(interval: float = 1.0) -> None:
    """End this worker when the bot process dies (even by kill -9), instead of lingering
    with the model in memory: a daemon thread watches the parent's pid."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _analyse_text(text: str, options: AnalysisOptions) -> Report:
    return report_article(load_text(text, "pasted text"), options)


def _analyse_page(
    target: str, page: FetchedPage, fetch_ms: int, options: AnalysisOptions
) -> Report:
    return report_article(load_page(target, page, fetch_ms), options)


class AnalysisPool:
    """A bounded pool of analysis processes."""

    def __init__(self, workers: int, queue_size: int, model: str | None) -> None:
        self.workers = workers
        self.capacity = workers + queue_size
        self.model = model
        self.in_use = 0
        self._executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_warm,
            initargs=(self.model,),
        )

    def reserve(self, count: int) -> bool:
        """Take `count` places for analyses, or none if the pool is full."""
        if self.in_use + count > self.capacity:
            return False
        self.in_use += count
        return True

    def release(self, count: int) -> None:
        """Give back places taken by `reserve`."""
        self.in_use = max(0, self.in_use - count)

    async def analyse(self, target: str, options: AnalysisOptions, *, is_text: bool) -> Report:
        """Analyse a URL (or pasted text). The page is fetched here, on the event loop, so
        slow sites never hold a worker; extraction and NLP run in a worker.
        Raises AnalysisError."""
        if is_text:
            return await self._run(_analyse_text, target, options)
        started = time.perf_counter()
        page = await fetch_page(target, options.fetch)
        fetch_ms = round((time.perf_counter() - started) * 1000)
        return await self._run(_analyse_page, target, page, fetch_ms, options)

    async def _run(self, function: Callable[..., Report], *args: object) -> Report:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, function, *args)
        except AnalysisError:
            raise
        except BrokenProcessPool:
            log.error("worker.died; restarting the pool")
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = self._start()
            raise AnalysisError(
                ErrorCode.INTERNAL, "The analysis stopped unexpectedly. Please try again."
            ) from None
        except Exception:
            log.exception("analysis.failed")
            raise AnalysisError(
                ErrorCode.INTERNAL, "Something went wrong while analysing this. Please try again."
            ) from None

    def close(self) -> None:
        """Stop the workers."""
        self._executor.shutdown(wait=True, cancel_futures=True)
