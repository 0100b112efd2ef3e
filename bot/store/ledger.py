"""The delivery ledger: every message answered once, across restarts, retries and replicas.

One row per message key (`seen`): a claim takes the message's keys and holds the message in
one statement; a delivery finishes them and records the reply in one statement. A claim of
a live run (`runs.py`) is never taken over, so replicas sharing the database answer a message
once whichever receives it (and its retries); a run that takes over after a crash finds the
held messages of dead runs and takes each with a compare-and-set, so two replicas never
take the same one.
"""

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from sqlalchemy import delete, select, update

from bot.schema import message_key, seen
from bot.store.base import match, upsert
from bot.store.runs import Runs

MAX_ATTEMPTS = 3
REPLY_FIELDS = (
    "workspace",
    "channel",
    "message_id",
    "reply_id",
    "thread",
    "author",
    "cache_key",
    "sensitivity",
)  # a reply record's columns on its message's row
NO_REPLY = dict.fromkeys(REPLY_FIELDS)
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReplyRecord:
    """Which bot message answers which source message."""

    channel: str
    message_id: str
    reply_id: str
    thread: str | None
    author: str
    cache_key: str | None = None
    sensitivity: str | None = None


class Ledger(Runs):
    """Claims, held messages and reply records."""

    def claim(self, platform: str, keys: Sequence[str], run: str, held: str | None = None) -> bool:
        """Claim a message by all its keys, holding `held` (the message as JSON, without its
        text) on the first key until it is finished, so a run that takes over after a crash
        can answer it. False when any key is done, or is being handled by this run or by
        another live one; a claim left unfinished by a dead run (a crash) is taken over,
        keeping its count of attempts. One statement."""
        now = self.clock()
        rows = [
            {
                "platform": platform,
                "key": key,
                "run": run,
                "done": False,
                "at": now,
                "message": held if key == keys[0] else None,
            }
            for key in dict.fromkeys(keys)
        ]
        with self.engine.begin() as connection:
            taken = upsert(
                connection,
                seen,
                rows,
                ["platform", "key"],
                ["run", "message"],
                where=(seen.c.done.is_(False))
                & (seen.c.run != run)
                & seen.c.run.not_in(self.live_runs()),
            )
            if taken == len(rows):
                return True
            connection.rollback()
        return False

    def finish(
        self,
        platform: str,
        keys: Sequence[str],
        workspace: str | None = None,
        record: ReplyRecord | None = None,
    ) -> None:
        """Mark a message answered (or deliberately not answered), recording the reply that
        answered it, if any, on its first key's row. One statement."""
        now = self.clock()
        reply = _reply_values(workspace, record)
        rows = [
            {"platform": platform, "key": key, "run": "", "done": True, "at": now, "message": None}
            | (reply if key == keys[0] else dict.fromkeys(reply))
            for key in dict.fromkeys(keys)
        ]
        changes = ["done", "message", *(reply if record is not None else ())]
        with self.engine.begin() as connection:
            upsert(connection, seen, rows, ["platform", "key"], changes)

    def release(self, platform: str, keys: Sequence[str]) -> None:
        """Give a claim up, so a retry of the same message is answered."""
        with self.engine.begin() as connection:
            connection.execute(delete(seen).where(_keyed(platform, keys)))

    def unfinished(self, platform: str, run: str, attempts: int = MAX_ATTEMPTS) -> list[str]:
        """Take over the held messages of dead runs (oldest first) for `run`, each counted as
        tried once more; one that `attempts` runs have tried already is given up (finished,
        logged by key only), so a message that kills the bot cannot do so on every start.
        Each is taken with a compare-and-set on its run, so of replicas sweeping at once
        exactly one takes it. Returns the messages taken, now claimed by `run`."""
        held = (
            (seen.c.platform == platform)
            & seen.c.done.is_(False)
            & seen.c.message.is_not(None)
            & (seen.c.run != run)
            & seen.c.run.not_in(self.live_runs())
        )
        columns = (seen.c.key, seen.c.run, seen.c.message, seen.c.attempts)
        with self.engine.begin() as connection:
            rows = connection.execute(select(*columns).where(held).order_by(seen.c.at)).all()
        taken, given_up = [], 0
        for row in rows:
            spent = row.attempts >= attempts
            values = {"done": True, "message": None} if spent else {"run": run}
            with self.engine.begin() as connection:
                changed = connection.execute(
                    update(seen)
                    .where(
                        _keyed(platform, [row.key]),
                        seen.c.run == row.run,
                        seen.c.done.is_(False),
                    )
                    .values(values | {"attempts": seen.c.attempts + 1})
                ).rowcount
            if changed and spent:
                given_up += 1
            elif changed:
                taken.append(row.message)
        if given_up:
            log.warning("message.given_up", extra={"platform": platform, "count": given_up})
        return taken

    def reply_to(
        self, platform: str, workspace: str, channel: str, message_id: str
    ) -> ReplyRecord | None:
        """The bot's reply to a source message, if any."""
        key = message_key(workspace, channel, message_id)
        return self._reply(match(seen, platform=platform, key=key))

    def reply_by_id(
        self, platform: str, workspace: str, channel: str, reply_id: str
    ) -> ReplyRecord | None:
        """The record of one of the bot's replies, found by the reply's own id."""
        return self._reply(
            match(seen, platform=platform, workspace=workspace, channel=channel, reply_id=reply_id)
        )

    def forget_reply(self, platform: str, workspace: str, channel: str, message_id: str) -> None:
        """Drop a reply's record (its source or the reply itself was deleted); the message
        stays answered."""
        key = message_key(workspace, channel, message_id)
        with self.engine.begin() as connection:
            connection.execute(
                update(seen).where(match(seen, platform=platform, key=key)).values(NO_REPLY)
            )

    def expire_claims(self, older_than: float) -> None:
        """Forget claims, held messages and reply records from before `older_than`."""
        with self.engine.begin() as connection:
            connection.execute(delete(seen).where(seen.c.at < older_than))

    def _reply(self, where) -> ReplyRecord | None:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(seen).where(where, seen.c.reply_id.is_not(None))
            ).first()
        if row is None:
            return None
        return ReplyRecord(
            row.channel,
            row.message_id,
            row.reply_id,
            row.thread,
            row.author,
            row.cache_key,
            row.sensitivity,
        )


def _reply_values(workspace: str | None, record: ReplyRecord | None) -> dict[str, str | None]:
    """The ledger columns of a reply record (all None when there is no reply); the record's
    fields are named as its columns."""
    if record is None or workspace is None:
        return dict(NO_REPLY)
    return {"workspace": workspace, **asdict(record)}


def _keyed(platform: str, keys: Sequence[str]):
    """The ledger rows of these message keys on one platform."""
    return (seen.c.platform == platform) & seen.c.key.in_(list(keys))
