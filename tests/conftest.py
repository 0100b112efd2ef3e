"""Shared fixtures: the seeds folder and the loaded pipeline."""

from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SEED = SEEDS / "000_942a618684aacc33.txt"


@pytest.fixture(scope="session")
def seed_text() -> str:
    """The seed article: headline, blank line, body."""
    return SEED.read_text(encoding="utf-8")
