"""The pool's line: a short article overtakes a long one that came a little earlier, and a
job cancelled while waiting gives its turn on. No spaCy here: a recording runner."""

import asyncio

from analysis import FetchPolicy, LoadedArticle, Pasted, Report, Sensitivity, load_fetched
from bot.pool import AnalysisPool
from tests.conftest import SEED

TEXT = SEED.read_text(encoding="utf-8")


class Recording:
    """Extracts for real; "analyses" by noting the text's length and waiting a moment."""

    lanes = 1

    def __init__(self) -> None:
        self.analysed: list[int] = []

    async def load(self, fetched) -> LoadedArticle:
        return load_fetched(fetched)

    async def analyse(self, loaded: LoadedArticle, sensitivity: Sensitivity) -> Report:
        self.analysed.append(len(loaded.article.body))
        await asyncio.sleep(0.3 if len(self.analysed) == 1 else 0.05)  # the first holds the lane
        raise _Done(len(loaded.article.body))

    def close(self) -> None:
        pass


class _Done(Exception):
    """The recording runner's stand-in for a report."""


async def analysed(pool: AnalysisPool, text: str) -> int:
    try:
        await pool.analyse(Pasted(text))
    except _Done as done:
        return done.args[0]
    raise AssertionError("unreachable")


async def test_a_short_article_overtakes_a_long_one_that_came_just_before() -> None:
    runner = Recording()
    pool = AnalysisPool(runner, 10, FetchPolicy())
    long_text = (TEXT + "\n\n") * (120_000 // len(TEXT) + 1)
    first = asyncio.create_task(analysed(pool, TEXT))
    await asyncio.sleep(0.01)
    late_long = asyncio.create_task(analysed(pool, long_text))
    await asyncio.sleep(0.01)
    short = asyncio.create_task(analysed(pool, TEXT[:1500]))
    sizes = await asyncio.gather(first, late_long, short)
    assert runner.analysed == [sizes[0], sizes[2], sizes[1]] and sizes[1] > 90_000
    assert pool._running == 0 and not pool._line


async def test_a_cancelled_waiter_passes_its_turn_on() -> None:
    runner = Recording()
    pool = AnalysisPool(runner, 10, FetchPolicy())
    first = asyncio.create_task(analysed(pool, TEXT))
    await asyncio.sleep(0.01)
    cancelled = asyncio.create_task(analysed(pool, TEXT))
    last = asyncio.create_task(analysed(pool, TEXT[:2000]))
    await asyncio.sleep(0.01)
    cancelled.cancel()
    assert await asyncio.wait_for(asyncio.gather(first, last), 5)
    assert pool._running == 0
