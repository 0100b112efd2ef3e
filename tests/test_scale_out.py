"""Issue 15: two bot processes in Slack HTTP mode on one PostgreSQL, their analyses on two
queue workers over the local Redis; the local Slack sends each event to one replica and its
retry to the other. A burst of 200 is answered exactly once, and again when one replica and
one worker are killed with SIGKILL halfway (`tools/load.py` drives both runs)."""

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from tools import load

SHARED = Path(__file__).resolve().parents[2] / "shared"
BURST = [
    "--replicas", "2", "--queue", "--workers", "2", "--messages", "200", "--articles", "200",
    "--hostile", "0", "--fault-rate", "0", "--retry-to-other", "--seconds", "10",
    "--page-delay", "0", "--drain", "150", "--run-timeout", "6", "--time-limit", "10",
]  # fmt: skip


@pytest.fixture
def services(queue) -> None:
    """The local PostgreSQL and Redis (`queue` skips where no Redis answers), and the
    articles of ../shared."""
    if not SHARED.is_dir():
        pytest.skip(f"no ../shared beside the repository ({SHARED})")
    engine = create_engine(load.POSTGRES)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError:
        pytest.skip(f"no PostgreSQL answers at {load.POSTGRES}")
    finally:
        engine.dispose()


@pytest.mark.parametrize("kill", [False, True], ids=["all-alive", "one-bot-one-worker-killed"])
async def test_two_replicas_and_two_workers_answer_a_burst_exactly_once(
    services, kill: bool, capsys
) -> None:
    args = load.build_parser().parse_args(
        ["--shared", str(SHARED), *BURST, *(["--kill"] if kill else [])]
    )
    status = await load.run(args)
    figures = capsys.readouterr().out
    assert status == 0, figures
    assert "replies: exactly one for 200/200; duplicates 0; lost 0" in figures
