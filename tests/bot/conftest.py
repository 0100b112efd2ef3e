"""Shared fixtures of the bot tests: one worker pool per test module."""

import pytest

from bot import AnalysisPool


@pytest.fixture(scope="module")
def pool():
    """Two analysis workers (the model loads once per worker), room for eight more."""
    workers = AnalysisPool(workers=2, queue_size=8, model=None)
    yield workers
    workers.close()
