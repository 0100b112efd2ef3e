"""The platform-neutral bot: messages, commands, settings, storage and the worker pool."""

from bot.commands import Command, CommandError, parse
from bot.core import Bot
from bot.digest import Digest, Flag
from bot.health import Health, Status
from bot.messages import Incoming, Outcome, Reply, ReplyKind
from bot.settings import Settings, SettingsError, load_settings
from bot.store import ChannelSettings, ReplyRecord, Store
from bot.workers import AnalysisPool

__all__ = [
    "AnalysisPool",
    "Bot",
    "ChannelSettings",
    "Command",
    "CommandError",
    "Digest",
    "Flag",
    "Health",
    "Incoming",
    "Outcome",
    "Reply",
    "ReplyKind",
    "ReplyRecord",
    "Settings",
    "SettingsError",
    "Status",
    "Store",
    "build_bot",
    "load_settings",
    "parse",
]


def build_bot(settings: Settings) -> Bot:
    """The bot for `settings`: its store (migrated) and its worker pool."""
    store = Store.open(settings.db_url)
    pool = AnalysisPool(
        settings.workers, settings.queue_size, settings.spacy_model, settings.analysis_time_limit
    )
    bot = Bot(settings, store, pool)
    bot.purge()
    return bot
