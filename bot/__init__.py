"""The platform-neutral bot: messages, commands, settings, storage and the worker pool."""

from analysis.nlp import check_model
from bot.commands import Command, CommandError, parse
from bot.core import Bot
from bot.digest import Digest, Flag
from bot.health import Health, Status
from bot.inline import InlineRunner
from bot.messages import Incoming, Outcome, Reply, ReplyKind
from bot.pool import AnalysisPool, Runner
from bot.settings import Settings, SettingsError, load_settings
from bot.store import ChannelSettings, ReplyRecord, Store
from bot.workers import ProcessRunner

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
    "InlineRunner",
    "Outcome",
    "ProcessRunner",
    "Reply",
    "ReplyKind",
    "ReplyRecord",
    "Runner",
    "Settings",
    "SettingsError",
    "Status",
    "Store",
    "build_bot",
    "load_settings",
    "parse",
]


def build_bot(settings: Settings) -> Bot:
    """The bot for `settings`: its store (migrated) and its analysis pool (worker processes,
    or the bot's own process when `workers` is 0). Raises ModelMissing when no spaCy model
    can be found, before any worker starts."""
    check_model(settings.spacy_model)
    store = Store.open(settings.db_url)
    model, limit = settings.spacy_model, settings.analysis_time_limit
    runner: Runner
    if settings.workers:
        runner = ProcessRunner(settings.workers, model, limit)
    else:
        runner = InlineRunner(model, limit)
    capacity = max(1, settings.workers) + settings.queue_size
    pool = AnalysisPool(runner, capacity, settings.fetch_policy(), settings.sensitivity)
    bot = Bot(settings, store, pool)
    bot.purge()
    return bot
