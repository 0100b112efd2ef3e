"""The bot processes alive now: each run (one process's life) beats every few seconds, so
replicas sharing a database can tell a claim that another live process is answering from
one a dead process left behind, which any replica may take over."""

import os
import socket
from collections.abc import Callable

from sqlalchemy import Select, delete, select, update

from bot.schema import runs
from bot.store.base import StoreBase, upsert

RUN_TIMEOUT = 30.0  # seconds without a beat after which a run is dead


def process_alive(pid: int) -> bool:
    """Whether a process of this host still runs (signal 0 checks without sending)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Runs(StoreBase):
    """Heartbeats of the runs sharing this database."""

    run_timeout = RUN_TIMEOUT

    def beat(self, run: str) -> None:
        """Say that `run` (this process) is alive now."""
        row = {"run": run, "host": socket.gethostname(), "pid": os.getpid(), "at": self.clock()}
        with self.engine.begin() as connection:
            upsert(connection, runs, [row], ["run"], ["at"])

    def end(self, run: str) -> None:
        """`run` stopped cleanly: what it still holds may be taken over at once."""
        with self.engine.begin() as connection:
            connection.execute(delete(runs).where(runs.c.run == run))

    def reap(self, run: str, alive: Callable[[int], bool] = process_alive) -> None:
        """Mark dead the other runs of this host whose process is gone (a restart after a
        crash takes over at once, rather than after `run_timeout`), and forget runs silent
        for a day."""
        host = socket.gethostname()
        with self.engine.begin() as connection:
            here = connection.execute(
                select(runs.c.run, runs.c.pid).where(runs.c.host == host, runs.c.run != run)
            ).all()
            gone = [row.run for row in here if not alive(row.pid)]
            if gone:
                connection.execute(update(runs).where(runs.c.run.in_(gone)).values(at=0.0))
            connection.execute(delete(runs).where(runs.c.at < self.clock() - 86_400))

    def live_runs(self) -> Select:
        """The runs that beat within `run_timeout` (a subquery for the ledger's statements)."""
        return select(runs.c.run).where(runs.c.at >= self.clock() - self.run_timeout)
