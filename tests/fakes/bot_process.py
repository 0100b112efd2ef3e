"""The real bot process (`sourcecheck run`) for adapter tests, its log kept in a file."""

import asyncio
import contextlib
import os
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

SOURCECHECK = Path(sys.executable).with_name("sourcecheck")


def free_port() -> int:
    """A port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.asynccontextmanager
async def bot_process(
    folder: Path, settings: dict[str, str]
) -> AsyncIterator[asyncio.subprocess.Process]:
    """Start `sourcecheck run` in `folder` with `settings` over a clean chat environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env |= {
        "SOURCECHECK_FETCH_ALLOW": "127.0.0.1",
        "SOURCECHECK_DB_URL": f"sqlite:///{folder / 'bot.db'}",
        "SOURCECHECK_HOST": "127.0.0.1",
        "SOURCECHECK_LOG_LEVEL": "INFO",
        "SOURCECHECK_PORT": str(free_port()),
        **settings,
    }
    with (folder / "bot.log").open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            str(SOURCECHECK), "run", env=env, cwd=folder, stdout=log, stderr=log
        )
        try:
            yield process
        finally:
            if process.returncode is None:
                process.terminate()
            await asyncio.wait_for(process.wait(), timeout=30)


def log_tail(folder: Path) -> str:
    """The end of the bot's log, for a failure message."""
    return (folder / "bot.log").read_text(errors="replace")[-3000:]
