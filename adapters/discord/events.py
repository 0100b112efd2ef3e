"""Discord messages -> the core's `Incoming`: link syntax decoded, bots left out."""

import re

import discord

from bot import Incoming

PLATFORM = "discord"
MARKDOWN_LINK = re.compile(r"\[[^\]]*\]\((https?://[^)\s]+)\)")
SPOILER = re.compile(r"\|\|(.+?)\|\|", re.DOTALL)


def decode_text(text: str) -> str:
    """Discord markdown to the core's text: `[label](url)` -> `<url>`, spoilers unwrapped."""
    text = MARKDOWN_LINK.sub(r" <\1> ", text)
    return SPOILER.sub(r"\1", text)


def incoming(message: discord.Message, me: discord.abc.User, *, moderator: bool) -> Incoming | None:
    """The core's view of a guild message, or None for bots (ourselves included) and DMs."""
    if message.author.bot or message.author.id == me.id or message.guild is None:
        return None
    channel = message.channel
    in_thread = isinstance(channel, discord.Thread)
    return Incoming(
        platform=PLATFORM,
        workspace=str(message.guild.id),
        channel=str(channel.id),
        message_id=str(message.id),
        thread=str(channel.id) if in_thread else None,
        parent=str(channel.parent_id) if in_thread and channel.parent_id else None,
        event_id=None,
        author=str(message.author.id),
        text=decode_text(message.content),
        is_moderator=moderator,
        mentioned=me in message.mentions,
    )
