"""The bot for adapter tests: `sourcecheck run` as a process of its own, or the same
composition (`run_bot`) in the test's own event loop, its log kept in a file either way.

In-process is the default: no interpreter or model to start per test (the errbot
test-backend idea). Settings that name `SOURCECHECK_WORKERS` ask for the real process with
its worker processes, for end-to-end tests, kills and restarts.
"""

import asyncio
import contextlib
import logging
import os
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from unittest import mock

from adapters.cli import run_bot
from adapters.logs import KeyValueFormatter
from bot import load_settings

SOURCECHECK = Path(sys.executable).with_name("sourcecheck")
REAL_PROCESS = "SOURCECHECK_WORKERS"


def free_port() -> int:
    """A port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(folder: Path, settings: dict[str, str]) -> dict[str, str]:
    """A clean chat environment with the tests' defaults, then `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    return env | {
        "SOURCECHECK_FETCH_ALLOW": "127.0.0.1",
        "SOURCECHECK_DB_URL": f"sqlite:///{folder / 'bot.db'}",
        "SOURCECHECK_HOST": "127.0.0.1",
        "SOURCECHECK_LOG_LEVEL": "INFO",
        "SOURCECHECK_PORT": str(free_port()),
        **settings,
    }


@contextlib.asynccontextmanager
async def bot_process(
    folder: Path, settings: dict[str, str], command: str = "run"
) -> AsyncIterator[asyncio.subprocess.Process]:
    """Start `sourcecheck run` (or another `command`, such as `worker`) in `folder` with
    `settings` over a clean chat environment."""
    with (folder / "bot.log").open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            str(SOURCECHECK),
            command,
            env=_environment(folder, settings),
            cwd=folder,
            stdout=log,
            stderr=log,
        )
        try:
            yield process
        finally:
            if process.returncode is None:
                process.terminate()
            await asyncio.wait_for(process.wait(), timeout=30)


class InProcess:
    """The bot running as a task of this event loop; `returncode` as a process has it."""

    def __init__(self, task: asyncio.Task[int]) -> None:
        self.task = task

    @property
    def returncode(self) -> int | None:
        """None while running; the exit status (1 for an exception) once stopped."""
        if not self.task.done():
            return None
        return 1 if self.task.cancelled() or self.task.exception() else self.task.result()


@contextlib.asynccontextmanager
async def bot_in_process(folder: Path, settings: dict[str, str]) -> AsyncIterator[InProcess]:
    """Run the bot's composition root in this event loop, analysing in this process."""
    env = _environment(folder, {"SOURCECHECK_WORKERS": "0"} | settings)
    with mock.patch.dict(os.environ, env, clear=True):
        loaded = load_settings(env_file=None)
    handler = logging.FileHandler(folder / "bot.log")
    handler.setFormatter(KeyValueFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    task = asyncio.create_task(run_bot(loaded))
    try:
        yield InProcess(task)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        root.removeHandler(handler)
        handler.close()


def start_bot(
    folder: Path, settings: dict[str, str]
) -> contextlib.AbstractAsyncContextManager[InProcess | asyncio.subprocess.Process]:
    """The bot in this process, or as a real process when `settings` name its workers."""
    if REAL_PROCESS in settings:
        return bot_process(folder, settings)
    return bot_in_process(folder, settings)


def log_tail(folder: Path) -> str:
    """The end of the bot's log, for a failure message."""
    return (folder / "bot.log").read_text(errors="replace")[-3000:]
