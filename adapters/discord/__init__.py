"""The Discord adapter (discord.py 2.x): threads, embeds, the /sourcecheck command group."""

from adapters.discord.app import DiscordAdapter, serve_discord

__all__ = ["DiscordAdapter", "serve_discord"]
