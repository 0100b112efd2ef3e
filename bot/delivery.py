"""The one delivery path between the bot and an adapter: the bot decides what to answer, the
adapter's `Poster` puts it in front of people (a threaded reply, an ephemeral, a reaction) and
takes it away again, and the bot records what was posted, or forgets the claim when posting
failed, for messages, commands, shortcuts and a crashed run's held messages alike."""

from typing import Protocol

from bot.messages import Incoming, Reply
from bot.store import ReplyRecord


class Poster(Protocol):
    """How one adapter posts and deletes the bot's replies."""

    async def post(self, message: Incoming, reply: Reply) -> str | None:
        """Post `reply` to `message`; the posted reply's id, or None when it has none (an
        ephemeral, a reaction). Raises when posting failed."""
        ...

    async def delete(self, record: ReplyRecord) -> None:
        """Delete one of the bot's replies."""
        ...
