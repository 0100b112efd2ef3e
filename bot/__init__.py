"""The platform-neutral bot: messages, commands, settings, storage and the worker pool."""

from analysis.nlp import check_model
from bot.commands import Command, CommandError, parse
from bot.core import Bot
from bot.digest import Digest, Flag
from bot.health import Health, Status
from bot.home import Home
from bot.inline import InlineRunner
from bot.messages import Incoming, Outcome, Reply, ReplyKind
from bot.pool import AnalysisPool, Runner
from bot.queue import QueueMissing, QueueRunner
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
    "Home",
    "Incoming",
    "InlineRunner",
    "Outcome",
    "ProcessRunner",
    "QueueMissing",
    "QueueRunner",
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
    """The bot for `settings`: its store (migrated) and its analysis pool: the job queue's
    workers (SOURCECHECK_QUEUE_URL), worker processes of its own, or its own process when
    `workers` is 0. Raises ModelMissing when the bot analyses and no spaCy model can be
    found, before any worker starts; QueueMissing when the queue's packages are missing."""
    store = Store.open(settings.db_url)
    runner = _runner(settings)
    capacity = runner.lanes + settings.queue_size
    pool = AnalysisPool(runner, capacity, settings.fetch_policy(), settings.sensitivity)
    store.run_timeout = settings.run_timeout
    bot = Bot(settings, store, pool)
    bot.purge()
    bot.start()
    return bot


def _runner(settings: Settings) -> Runner:
    model, limit = settings.spacy_model, settings.analysis_time_limit
    if settings.queue_url:
        return QueueRunner(settings.queue_url, settings.queue_name, settings.queue_jobs, limit)
    check_model(model)
    if settings.workers:
        return ProcessRunner(settings.workers, model, limit)
    return InlineRunner(model, limit)
