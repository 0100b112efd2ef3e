"""Shared fixtures of the bot tests: one worker pool per test module, and settings that
let the bot fetch from the local article server."""

from pathlib import Path

import pytest

from bot import AnalysisPool, Settings


@pytest.fixture(scope="module")
def pool():
    """Two analysis workers (the model loads once per worker), room for eight more."""
    workers = AnalysisPool(workers=2, queue_size=8, model=None)
    yield workers
    workers.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A fresh database per test; pages may be fetched from 127.0.0.1 only."""
    return Settings(
        fetch_allow=("127.0.0.1",),
        db_url=f"sqlite:///{tmp_path / 'bot.db'}",
        fetch_timeout=5.0,
    )
