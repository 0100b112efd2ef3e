"""Shared fixtures of the bot tests: analysis in this process (the model loads once per test
run, no worker process), and settings that let the bot fetch from the local article server.
Tests of the worker processes themselves build a `ProcessRunner` pool with `process_pool`."""

from pathlib import Path

import pytest

from analysis import Fetched, LoadedArticle, Report, Sensitivity
from bot import AnalysisPool, InlineRunner, ProcessRunner, Settings

CAPACITY = 10


class _Kept:
    """The session's runner, lent to one bot: closing the bot leaves it running."""

    lanes = 1

    def __init__(self, runner: InlineRunner) -> None:
        self.runner = runner

    async def load(self, fetched: Fetched) -> LoadedArticle:
        return await self.runner.load(fetched)

    async def analyse(self, loaded: LoadedArticle, sensitivity: Sensitivity) -> Report:
        return await self.runner.analyse(loaded, sensitivity)

    def close(self) -> None:
        """Nothing: the runner outlives the bot."""


@pytest.fixture(scope="session")
def runner():
    """The real analysis, run in this process."""
    inline = InlineRunner(model=None)
    yield _Kept(inline)
    inline.close()


@pytest.fixture
def pool(runner, settings: Settings) -> AnalysisPool:
    """A pool of the session's runner, fetching as `settings` allow."""
    return AnalysisPool(runner, CAPACITY, settings.fetch_policy())


def process_pool(settings: Settings, capacity: int, time_limit: float = 30.0) -> AnalysisPool:
    """A pool of one worker process, as the bot runs in production."""
    return AnalysisPool(ProcessRunner(1, None, time_limit), capacity, settings.fetch_policy())


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A fresh database per test; pages may be fetched from 127.0.0.1 only."""
    return Settings(
        fetch_allow=("127.0.0.1",),
        db_url=f"sqlite:///{tmp_path / 'bot.db'}",
        fetch_timeout=5.0,
    )
