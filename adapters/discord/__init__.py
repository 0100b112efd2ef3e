"""The Discord adapter (discord.py 2.x): threads, embeds, the /sourcecheck command group."""

from adapters.discord.app import DiscordAdapter

__all__ = ["DiscordAdapter"]
