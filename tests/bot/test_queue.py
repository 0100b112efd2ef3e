"""Analyses on the job queue (arq on the local Redis): the bot enqueues, workers run the jobs,
and a worker that dies mid-job loses nothing."""

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest
import redis.asyncio

from analysis import Sensitivity, load_text
from bot import AnalysisPool, Bot, QueueMissing, QueueRunner, ReplyKind, Settings, Store
from bot.queue import queue_worker, serve_queue
from tests.conftest import SEED, SEEDS
from tests.fakes.article_server import ArticleServer
from tests.fakes.chat import TestAdapter

SOURCECHECK = Path(sys.executable).with_name("sourcecheck")
LIMIT = 5.0


@pytest.fixture
async def worker(queue, runner):
    """An arq worker in this event loop, running the queue's jobs with the session's runner."""
    url, name = queue
    arq_worker = queue_worker(url, name, runner, LIMIT)
    stop = asyncio.Event()
    serving = asyncio.create_task(serve_queue(arq_worker, stop, grace=5))
    yield arq_worker
    stop.set()
    await serving


async def test_the_bot_analyses_on_the_queue(queue, worker, settings: Settings) -> None:
    url, name = queue
    runner = QueueRunner(url, name, lanes=4, time_limit=LIMIT)
    pool = AnalysisPool(runner, 8, settings.fetch_policy())
    chat = TestAdapter(Bot(settings, Store.open(settings.db_url), pool))
    async with ArticleServer() as server:
        server.add_page("/a", (SEEDS / "001_city_budget.html").read_bytes(), "text/html")
        server.add_page("/pdf", b"%PDF-1.4 not a page", "application/pdf")
        server.add_page("/empty", b"<html><body><p>Hi.</p></body></html>", "text/html")
        reply = await chat.say(f"read {server.url('/a')} and {server.url('/empty')}")
    assert reply is not None and reply.kind == ReplyKind.ANALYSIS
    report, failed = reply.outcomes
    assert report.report is not None and report.report.stats.flagged >= 3
    assert failed.error is not None and failed.error.code == "not_an_article"
    assert worker.jobs_complete == 3  # the two extractions and one analysis ran on the queue
    assert worker.jobs_failed == 0  # a page that is not an article is an answer, not a failure


async def test_a_job_whose_worker_dies_is_run_again_by_another(queue, tmp_path: Path) -> None:
    """A real `sourcecheck worker` is killed (SIGKILL) while it runs a job; a second worker
    started afterwards runs that job once its in-progress mark expires."""
    url, name = queue
    runner = QueueRunner(url, name, lanes=1, time_limit=LIMIT)
    long_text = SEED.read_text() + "\n\n" + "\n\n".join([SEED.read_text().split("\n\n", 1)[1]] * 40)
    loaded = load_text(long_text)
    first = await _worker_process(url, name, tmp_path / "first.log")
    try:
        job = asyncio.create_task(runner.analyse(loaded, Sensitivity.MEDIUM))
        await _until_a_job_runs(url)
        first.send_signal(signal.SIGKILL)
        await first.wait()
        second = await _worker_process(url, name, tmp_path / "second.log")
        try:
            report = await asyncio.wait_for(job, timeout=120)
        finally:
            second.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(second.wait(), timeout=60) == 0
    finally:
        if first.returncode is None:
            first.kill()
    assert report.stats.sentences > 200


async def _worker_process(url: str, name: str, log: Path) -> asyncio.subprocess.Process:
    env = os.environ | {
        "SOURCECHECK_QUEUE_URL": url,
        "SOURCECHECK_QUEUE_NAME": name,
        "SOURCECHECK_ANALYSIS_TIME_LIMIT": "8",
        "SOURCECHECK_LOG_LEVEL": "INFO",
    }
    with log.open("wb") as out:
        return await asyncio.create_subprocess_exec(
            str(SOURCECHECK), "worker", env=env, stdout=out, stderr=out
        )


async def _until_a_job_runs(url: str) -> None:
    client = redis.asyncio.Redis.from_url(url)
    try:
        for _ in range(1200):
            if await client.keys("arq:in-progress:*"):
                return
            await asyncio.sleep(0.05)
        raise AssertionError("no worker took the job")
    finally:
        await client.aclose()


def test_a_queue_url_without_the_queue_packages_says_how_to_install_them(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "arq", None)  # as if the `queue` extra were missing
    with pytest.raises(QueueMissing, match=r"pip install -e '\.\[queue\]'"):
        QueueRunner("redis://127.0.0.1:6379/9", "q", lanes=1, time_limit=LIMIT)
