"""Shared fixtures: the seeds folder, the seed article and a queue on the local Redis."""

import os
import uuid
from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SEED = SEEDS / "000_942a618684aacc33.txt"


@pytest.fixture(scope="session")
def seed_text() -> str:
    """The seed article: headline, blank line, body."""
    return SEED.read_text(encoding="utf-8")


REDIS = os.environ.get("SOURCECHECK_TEST_REDIS", "redis://127.0.0.1:6379/9")


@pytest.fixture
def queue() -> tuple[str, str]:
    """The local Redis's URL and a queue name of this test's own; skipped, saying so, where
    no Redis answers."""
    import redis

    client = redis.Redis.from_url(REDIS, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip(f"no Redis answers at {REDIS}")
    finally:
        client.close()
    return REDIS, f"sourcecheck-test-{uuid.uuid4().hex[:12]}"
