"""A test adapter in the manner of errbot's test backend: messages in, posted replies out.

It drives the real `Bot` (real store, real worker pool) with no chat server: `say()` hands
over a message the way an adapter would, posts any reply into its thread, and tells the bot
what it posted; `posted` is everything the bot put in the channel.
"""

import itertools
from dataclasses import dataclass

from bot import Bot, Incoming, Reply, ReplyRecord


@dataclass(frozen=True)
class Posted:
    """A reply the bot posted, and where."""

    channel: str
    thread: str
    reply_id: str
    reply: Reply


class TestAdapter:
    """A fake platform with one workspace."""

    __test__ = False
    platform = "test"
    workspace = "W1"

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.posted: list[Posted] = []
        self.deleted: list[str] = []
        self._ids = itertools.count(1)

    def message(self, text: str, **fields) -> Incoming:
        """A message as this platform would hand it over."""
        values = {
            "platform": self.platform,
            "workspace": self.workspace,
            "channel": "C1",
            "message_id": f"M{next(self._ids)}",
            "author": "alice",
            "text": text,
        }
        return Incoming(**(values | fields))

    async def say(self, text: str, **fields) -> Reply | None:
        """Post a message; return the bot's reply (also recorded in `posted`)."""
        return await self.deliver(self.message(text, **fields))

    async def deliver(self, message: Incoming) -> Reply | None:
        """Hand over an already built message (e.g. a platform retry of an earlier one)."""
        return await self.bot.answer(message, self)

    async def post(self, message: Incoming, reply: Reply) -> str | None:
        """The posting protocol: keep the reply in `posted`; its id."""
        reply_id = f"R{len(self.posted) + 1}"
        self.posted.append(Posted(message.channel, message.reply_thread, reply_id, reply))
        return reply_id

    async def delete(self, record: ReplyRecord) -> None:
        """The posting protocol: take a reply out of `posted`."""
        self.deleted.append(record.reply_id)

    async def command(self, text: str, *, moderator: bool = True, **fields) -> Reply:
        """Run `/sourcecheck ...` as a moderator (or not)."""
        author = fields.pop("author", "mod")
        message = self.message(text, author=author, is_moderator=moderator, **fields)
        return await self.bot.on_command(message, text)
