"""The worker pool's processes end with the bot, even when the bot is killed with SIGKILL."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PARENT = """
import os, time
from bot.workers import ProcessRunner
runner = ProcessRunner(1, None)
assert runner.pids
print("ready", flush=True)
time.sleep(120)
"""


def test_workers_exit_when_the_bot_is_killed() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, cwd=ROOT)
    try:
        assert parent.stdout is not None and parent.stdout.readline() == b"ready\n"
        children = Path(f"/proc/{parent.pid}/task/{parent.pid}/children").read_text().split()
        assert children
    finally:
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
    deadline = time.monotonic() + 30
    while any(Path(f"/proc/{child}").exists() for child in children):
        assert time.monotonic() < deadline, "a worker outlived the bot"
        time.sleep(0.2)
