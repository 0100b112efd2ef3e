"""The bot: decides what to answer, for every platform. Adapters translate events to
`Incoming`, call the bot, post the `Reply` it returns, and tell it what they posted."""

import asyncio
import contextlib
import functools
import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, replace

from analysis import (
    AnalysisError,
    ErrorCode,
    Link,
    Pasted,
    Report,
    Sensitivity,
    Target,
    label,
    render_text,
)
from analysis.render import counted
from bot import metrics
from bot.commands import Command, CommandError, Commands, parse
from bot.delivery import Poster
from bot.health import Health
from bot.home import AUDIT_SHOWN, DAYS_SHOWN, Home
from bot.limits import RateLimits, Verdict
from bot.links import domain_matches, domain_of, find_links, word_count
from bot.messages import Incoming, Outcome, Reply, ReplyKind
from bot.pool import AnalysisPool
from bot.privacy import privacy_text
from bot.recent import RecentReports
from bot.schema import KEY, message_key
from bot.settings import Settings
from bot.store import ChannelSettings, Policy, ReplyRecord, Store

log = logging.getLogger(__name__)

BUSY = (
    "I'm busy with other articles right now, so I couldn't check this one. "
    "Please try again in a few minutes, or use `/sourcecheck check <link>`."
)
BACKLOG_WAIT = 300.0  # seconds a message may wait for room in the pool
EVERY_LINK = frozenset({"auto", "quiet"})  # modes that analyse every link posted
READ_TEXT = "Read: nothing flagged."
DRAIN_POLL = 0.1  # seconds between looks at what is still being answered, at shutdown
LINKS_SCANNED = 100  # links read from one message; those over `max_links` are named, not checked
LEFT_OUT_NAMED = 5
ONLY_WEB_LINKS = "Only web pages (http and https links) can be checked."
_OTHER_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S*$")  # one word, a link of another kind
SLOW_DOWN = (
    "You're sending links faster than I can check them, so I've skipped some. "
    "Please wait a minute before sharing more."
)


class Bot:
    """The platform-neutral bot. One per process; shared by every adapter."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        pool: AnalysisPool,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.store = store
        self.pool = pool
        self.clock = clock
        self.commands = Commands(store, clock)
        self.run_id = uuid.uuid4().hex
        self._in_flight: dict[str, asyncio.Future[Report]] = {}
        self.health = Health()
        self.limits = RateLimits.per_minute(settings.member_rate, settings.channel_rate, clock)
        self._room = asyncio.Condition()
        self._waiting = 0
        self._store_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store")
        self._recent = RecentReports(settings.cache_ttl)
        self._answering = 0  # messages and commands being answered now

    async def _in_store[T](self, function: Callable[..., T], *args: object) -> T:
        """Run store work off the event loop, on one thread, in the order asked."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._store_thread, functools.partial(function, *args))

    # Messages

    async def on_message(self, message: Incoming) -> Reply | None:
        """The reply a message deserves, or None. The caller posts it and then calls
        `delivered()` (or `undelivered()` if posting failed)."""
        metrics.EVENTS.labels(message.platform).inc()
        if message.author_is_bot:
            return None
        policy = await self._policy(message)
        targets, left_out = self._targets(message, policy)
        if not targets:
            return None
        keys = _keys(message)
        held = _held(message, targets)
        if not message.held and not await self._in_store(
            self.store.claim, message.platform, keys, self.run_id, held
        ):
            log.info("message.duplicate", extra={"platform": message.platform})
            metrics.DUPLICATES.labels(message.platform).inc()
            return None
        verdict = self._rate(message)
        if verdict is not Verdict.ALLOW:
            await self._in_store(self.store.finish, message.platform, keys)
            return _slow_down() if verdict is Verdict.WARN else None
        reply = await self._answer(message, targets, policy.channel, left_out)
        return _quietly(reply) if _quiet(policy.channel, message, reply) else reply

    async def answer(self, message: Incoming, poster: Poster) -> Reply | None:
        """Decide on a message, then post and record the reply: the adapters' one path for
        messages (and for a crashed run's held messages)."""
        with self._answering_one():
            reply = await self.on_message(message)
            if reply is not None:
                await self.deliver(message, reply, poster)
            return reply

    async def answer_command(self, message: Incoming, text: str, poster: Poster) -> Reply:
        """Run `/sourcecheck ...` (a slash command, a shortcut, a context-menu command),
        then post and record the reply."""
        with self._answering_one():
            reply = await self.on_command(message, text)
            await self.deliver(message, reply, poster)
            return reply

    @contextlib.contextmanager
    def _answering_one(self) -> Iterator[None]:
        self._answering += 1
        try:
            yield
        finally:
            self._answering -= 1

    async def drain(self, grace: float) -> int:
        """Wait up to `grace` seconds for the messages being answered (at shutdown); how
        many are still unanswered (those with links are held for the next run)."""
        deadline = time.monotonic() + grace
        while self._answering and time.monotonic() < deadline:
            await asyncio.sleep(DRAIN_POLL)
        return self._answering

    async def deliver(self, message: Incoming, reply: Reply, poster: Poster) -> None:
        """Post `reply` through `poster` and record it; if posting fails, forget the claim
        so the platform's retry is answered (one failed post never stops the bot)."""
        try:
            reply_id = await poster.post(message, reply)
        except Exception as error:
            log.warning(
                "reply.post_failed",
                extra={"platform": message.platform, "error": type(error).__name__},
            )
            await self.undelivered(message)
            return
        await self.delivered(message, reply_id, reply)

    async def unfinished(self, platform: str) -> list[Incoming]:
        """Messages with links that an earlier run claimed and never answered (it was
        killed): the adapter answers them through `on_message`, as if they had just come."""
        held = await self._in_store(self.store.unfinished, platform, self.run_id)
        return [_from_json(message) for message in held]

    async def delivered(
        self, message: Incoming, reply_id: str | None, reply: Reply | None = None
    ) -> None:
        """`reply` to `message` was posted (as `reply_id`, when there is one): the message is
        finished and the reply recorded, with the report it shows and its sensitivity for
        "Show all" later, in one statement."""
        metrics.ANSWERED.labels(message.platform).inc()
        metrics.REPLY_SECONDS.observe(time.monotonic() - message.received)
        record = None
        if reply_id is not None:
            shown = _shown(reply)
            record = ReplyRecord(
                message.channel,
                message.message_id,
                reply_id,
                message.reply_thread,
                message.author,
                shown.cache_key if shown else None,
                str(shown.report.sensitivity) if shown and shown.report else None,
            )
        await self._in_store(
            self.store.finish, message.platform, _keys(message), message.workspace, record
        )

    async def reply_record(
        self, platform: str, workspace: str, channels: list[str], reply_id: str
    ) -> ReplyRecord | None:
        """The record of one of the bot's replies, by its id, in the first of `channels`
        that has it (a Discord thread's reply may be kept under its parent channel)."""
        return await self._in_store(self._reply_record_now, platform, workspace, channels, reply_id)

    def _reply_record_now(
        self, platform: str, workspace: str, channels: list[str], reply_id: str
    ) -> ReplyRecord | None:
        for channel in channels:
            record = self.store.reply_by_id(platform, workspace, channel, reply_id)
            if record is not None:
                return record
        return None

    async def full_reply(self, record: ReplyRecord | None) -> Reply | None:
        """Every flag of the report a reply showed, at the sensitivity it was flagged at;
        None when the reply is unknown or its report has expired."""
        return await self._in_store(self._full_reply_now, record)

    def _full_reply_now(self, record: ReplyRecord | None) -> Reply | None:
        if record is None or record.cache_key is None:
            return None
        report = self.cached_report(record.cache_key)
        if report is None:
            return None
        if record.sensitivity:
            report = report.with_sensitivity(Sensitivity(record.sensitivity))
        return Reply(
            kind=ReplyKind.ANALYSIS,
            text=f"Every flagged assertion in {report.title or record.cache_key}",
            outcomes=(Outcome(record.cache_key, report=report, cache_key=record.cache_key),),
        )

    async def first_delivery(self, platform: str, workspace: str, delivery_id: str) -> bool:
        """Whether a command or interaction (by its platform's delivery id) is seen for the
        first time: a captured, replayed request is then run only once."""
        return await self._in_store(self._first_delivery_now, platform, workspace, delivery_id)

    def _first_delivery_now(self, platform: str, workspace: str, delivery_id: str) -> bool:
        key = f"delivery:{workspace}:{delivery_id}"[:KEY]
        if not self.store.claim(platform, [key], self.run_id):
            log.info("delivery.duplicate", extra={"platform": platform})
            return False
        self.store.finish(platform, [key])
        return True

    async def undelivered(self, message: Incoming) -> None:
        """Posting the reply failed: forget the claim so a retry is answered."""
        await self._in_store(self.store.release, message.platform, _keys(message))

    async def get_meta(self, key: str) -> str | None:
        """A value an adapter keeps between runs (e.g. the hash of its synced commands)."""
        return await self._in_store(self.store.get_meta, key)

    async def set_meta(self, key: str, value: str) -> None:
        """Keep a value between runs."""
        await self._in_store(self.store.set_meta, key, value)

    async def source_deleted(
        self, platform: str, workspace: str, channel: str, message_id: str, poster: Poster
    ) -> None:
        """A source message was deleted: its reply is deleted too, and its record dropped."""
        record = await self._in_store(
            self._source_deleted_now, platform, workspace, channel, message_id
        )
        if record is not None:
            await self._delete(record, poster)

    async def _delete(self, record: ReplyRecord, poster: Poster) -> None:
        try:
            await poster.delete(record)
        except Exception as error:  # already gone, or no permission: nothing to undo
            log.warning("reply.delete_failed", extra={"error": type(error).__name__})

    def _source_deleted_now(
        self, platform: str, workspace: str, channel: str, message_id: str
    ) -> ReplyRecord | None:
        record = self.store.reply_to(platform, workspace, channel, message_id)
        if record is not None:
            self.store.forget_reply(platform, workspace, channel, message_id)
        return record

    async def dismiss(
        self, message: Incoming, record: ReplyRecord | None, poster: Poster
    ) -> tuple[bool, str]:
        """Remove the reply `record` if `message`'s author may (the poster of the link or
        a moderator): whether it was removed, and what to tell them."""
        allowed, text = await self._in_store(self._dismiss_now, message, record)
        if allowed and record is not None:
            await self._delete(record, poster)
        return allowed, text

    def _dismiss_now(self, message: Incoming, record: ReplyRecord | None) -> tuple[bool, str]:
        if record is None:
            return False, "There is no reply of mine to dismiss here."
        if message.author != record.author and not message.is_moderator:
            return False, "Only the person who posted the link or a moderator can dismiss this."
        self.store.forget_reply(
            message.platform, message.workspace, record.channel, record.message_id
        )
        self.store.log(
            message.platform,
            message.workspace,
            record.channel,
            message.author,
            "dismiss",
            f"reply {record.reply_id}",
        )
        return True, "Dismissed."

    # Commands

    async def on_command(self, message: Incoming, text: str) -> Reply:
        """Run `/sourcecheck ...` for `message`'s author."""
        try:
            command = parse(text)
        except CommandError as error:
            return Reply(kind=ReplyKind.COMMAND, text=str(error), ephemeral=True)
        if command.name == "check":
            return await self._check(message, command)
        if command.name == "dismiss":
            return Reply(
                kind=ReplyKind.COMMAND,
                text="Use the Dismiss button on my reply to remove it.",
                ephemeral=True,
            )
        if command.name == "privacy":
            return Reply(kind=ReplyKind.COMMAND, text=privacy_text(self.settings), ephemeral=True)
        return await self._in_store(self.commands.run, message, command)

    async def _check(self, message: Incoming, command: Command) -> Reply:
        links = find_links(command.rest, LINKS_SCANNED)
        if not links and not command.rest:
            return Reply(
                kind=ReplyKind.COMMAND,
                text="Usage: `/sourcecheck check <url or text>`.",
                ephemeral=True,
            )
        if not links and _OTHER_SCHEME.match(command.rest):
            return Reply(kind=ReplyKind.COMMAND, text=ONLY_WEB_LINKS, ephemeral=True)
        policy = await self._policy(message)
        denied = [link for link in links if _rule(policy.rules, link) == "deny"]
        if denied and len(denied) == len(links):
            return Reply(
                kind=ReplyKind.COMMAND,
                text=f"Links to {domain_of(denied[0])} are not analysed in this workspace.",
                ephemeral=True,
            )
        allowed = [link for link in links if link not in denied]
        targets: list[Target] = [Link(link) for link in allowed[: self.settings.max_links]]
        if self._rate(message) is not Verdict.ALLOW:
            return replace(_slow_down(), kind=ReplyKind.COMMAND)
        reply = await self._answer(
            message,
            targets or [Pasted(command.rest)],
            policy.channel,
            allowed[self.settings.max_links :],
        )
        return reply if self._speaks(policy.channel) else replace(reply, ephemeral=True)

    def _rate(self, message: Incoming) -> Verdict:
        """The rate limits' verdict on analysing one more message of its author's."""
        verdict = self.limits.check(
            message.platform, message.workspace, message.settings_channel, message.author
        )
        if verdict is not Verdict.ALLOW:
            log.info("message.rate_limited", extra={"platform": message.platform})
            metrics.RATE_LIMITED.labels(message.platform).inc()
        return verdict

    async def speaks_in(self, message: Incoming) -> bool:
        """Whether the bot may post publicly in the message's channel: not disabled, not
        muted. Elsewhere an on-demand check is answered to its asker alone."""
        return self._speaks((await self._policy(message)).channel)

    def _speaks(self, channel: ChannelSettings) -> bool:
        return channel.enabled and not channel.muted(self.clock())

    async def _policy(self, message: Incoming) -> Policy:
        """The message's channel settings, domain rules and its author's opt-out: one read."""
        return await self._in_store(
            self.store.policy,
            message.platform,
            message.workspace,
            message.settings_channel,
            message.author,
        )

    # Deciding and answering

    def _targets(self, message: Incoming, policy: Policy) -> tuple[list[Target], list[str]]:
        """What to analyse in a message (its first `max_links` wanted links, or the message
        itself as pasted text), and the wanted links left out over that limit."""
        channel = policy.channel
        if not self._speaks(channel) or policy.opted_out:
            return [], []
        links = find_links(message.text, LINKS_SCANNED, message.links)
        wanted = [link for link in links if _wanted(link, policy.rules, channel, message)]
        if wanted or links:
            limit = self.settings.max_links
            return [Link(link) for link in wanted[:limit]], wanted[limit:]
        asked = channel.mode in EVERY_LINK or message.mentioned
        if asked and word_count(message.text) >= self.settings.min_text_words:
            return [Pasted(message.text)], []
        return [], []

    async def _answer(
        self,
        message: Incoming,
        targets: list[Target],
        channel: ChannelSettings,
        left_out: Sequence[str] = (),
    ) -> Reply:
        """Analyse the targets; only those not cached nor already being analysed take a
        place in the pool, so a burst of one popular link never makes the bot "busy". Links
        `left_out` over the per-message limit are named at the end of the reply."""
        admitted = await self._admit(targets)
        if admitted is None:
            await self._in_store(self.store.finish, message.platform, _keys(message))
            metrics.BUSY.inc()
            return Reply(kind=ReplyKind.NOTICE, text=BUSY, ephemeral=True)
        places, cached = admitted
        try:
            outcomes = list(
                await asyncio.gather(
                    *(self._outcome(message, target, channel, cached) for target in targets)
                )
            )
        finally:
            self.pool.release(places)
            async with self._room:
                self._room.notify(1)
        if left_out:
            outcomes.append(_left_out(self.settings.max_links, left_out))
        return await asyncio.to_thread(_reply, outcomes)

    async def _admit(self, targets: list[Target]) -> tuple[int, dict[str, Report | None]] | None:
        """Take a place in the pool for each target that needs analysing, or wait for room
        while fewer than `backlog` messages wait, for at most BACKLOG_WAIT seconds. A
        waiting message holds no page and no worker, and needs no place once another has
        analysed its link. A release wakes the first in line, and each admitted message the
        next, so a long line costs the loop little. The places taken and the cached reports
        found, or None: busy."""
        places, cached = await self._in_store(self._places, targets)
        if self.pool.reserve(places):
            return places, cached
        if self._waiting >= self.settings.backlog:
            return None
        self._waiting += 1
        deadline = time.monotonic() + BACKLOG_WAIT
        try:
            async with self._room:
                while not self.pool.reserve(places):
                    if time.monotonic() >= deadline:
                        return None
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._room.wait(), deadline - time.monotonic())
                    places, cached = await self._in_store(self._places, targets)
                self._room.notify(1)  # there may be room for the next in line too
            return places, cached
        finally:
            self._waiting -= 1

    def _places(self, targets: list[Target]) -> tuple[int, dict[str, Report | None]]:
        """The places the targets need (those neither cached nor being analysed), and the
        cached reports found on the way (each link's cache read once per message)."""
        cached: dict[str, Report | None] = {}
        needed = 0
        for target in targets:
            if isinstance(target, Link) and target.url in self._in_flight:
                cached[target.url] = None  # another message's analysis will bring it
                continue
            report = self.cached_report(target.url) if isinstance(target, Link) else None
            if report is None:
                needed += 1
            else:
                cached[target.url] = report
        return min(needed, self.pool.capacity), cached

    async def _outcome(
        self,
        message: Incoming,
        target: Target,
        channel: ChannelSettings,
        cached_reports: dict[str, Report | None],
    ) -> Outcome:
        sensitivity = channel.sensitivity or self.settings.sensitivity
        key = target.url if isinstance(target, Link) else None
        try:
            found = cached_reports.get(key) if key else None
            if found is not None:
                report, cached = found, True
            else:
                report, cached = await self._report(target, recheck=key in cached_reports)
        except Exception as failure:  # one bad link never stops the bot
            error = failure if isinstance(failure, AnalysisError) else _internal(failure)
            log.info("analysis.error", extra={"code": str(error.code)})
            metrics.ERRORS.labels(str(error.code)).inc()
            metrics.ANALYSES.labels("error").inc()
            return Outcome(label(target), error=error)
        metrics.ANALYSES.labels("ok").inc()
        metrics.CACHE_HITS.inc(cached)
        report = await self._in_store(self._count, message, target, report, cached, sensitivity)
        metrics.FLAGS.inc(report.stats.flagged)
        return Outcome(label(target), report=report, cache_key=key)

    def _count(
        self,
        message: Incoming,
        target: Target,
        report: Report,
        cached: bool,
        sensitivity: Sensitivity,
    ) -> Report:
        """`report` flagged at the channel's sensitivity, counted in the usage statistics."""
        report = report.with_sensitivity(sensitivity)
        domain = domain_of(target.url) if isinstance(target, Link) else label(target)
        self.store.count_analysis(
            message.platform,
            message.workspace,
            domain,
            report.stats.claims,
            report.stats.flagged,
            cached,
        )
        return report

    async def _report(self, target: Target, *, recheck: bool = False) -> tuple[Report, bool]:
        """A fresh report, or the one another message's analysis brings: concurrent requests
        for one URL share one analysis. With `recheck` (the link was being analysed when
        this message was admitted, so it took no place) a finished analysis is read from
        the cache."""
        if isinstance(target, Pasted):
            return await self.pool.analyse(target), False
        url = target.url
        if recheck and url not in self._in_flight:
            cached = await self._in_store(self.cached_report, url)
            if cached is not None:
                return cached, True
        running = self._in_flight.get(url)
        if running is not None:
            return await asyncio.shield(running), True
        future: asyncio.Future[Report] = asyncio.get_running_loop().create_future()
        self._in_flight[url] = future
        try:
            report = await self.pool.analyse(target)
            await self._in_store(self._cache, url, report)
            future.set_result(report)
            return report, False
        except Exception as error:  # every failure reaches the waiters: none waits forever
            failure = error if isinstance(error, AnalysisError) else _internal(error)
            future.set_exception(failure)
            future.exception()  # retrieved here, so no "never retrieved" warning
            raise failure from None
        finally:
            if not future.done():
                future.set_exception(_internal(asyncio.CancelledError()))
                future.exception()
            del self._in_flight[url]

    def _cache(self, url: str, report: Report) -> None:
        self.store.cache_report(url, json.dumps(report.to_json()))
        self._recent.put(url, report)

    def cached_report(self, url: str) -> Report | None:
        """The cached report for a (normalised) link, if still fresh: from memory when the
        link was shared lately, else read and parsed once from the store."""
        report = self._recent.get(url)
        if report is not None:
            return report
        cached = self.store.cached_report(url, self.settings.cache_ttl)
        if cached is None:
            return None
        report = Report.from_json(json.loads(cached))
        self._recent.put(url, report)
        return report

    def purge(self) -> None:
        """Forget what the retention settings say is old."""
        self.store.purge(self.settings.retention_days, self.settings.cache_ttl)

    def start(self) -> None:
        """Say this run is alive, and mark dead this host's earlier runs whose process is
        gone, so what they held is taken over at once."""
        self.store.beat(self.run_id)
        self.store.reap(self.run_id)

    @property
    def sweep_interval(self) -> float:
        """Seconds between the adapters' looks for what dead replicas held."""
        return self.store.run_timeout / 3

    async def home(self, platform: str, workspace: str, moderator: bool) -> Home:
        """A member's view of the workspace (moderators see its rules, audit and counts)."""
        return await self._in_store(self._home, platform, workspace, moderator)

    def _home(self, platform: str, workspace: str, moderator: bool) -> Home:
        channels = self.store.channels_of(platform, workspace)
        if not moderator:
            return Home(False, channels, self.clock())
        return Home(
            True,
            channels,
            self.clock(),
            self.store.domain_rules(platform, workspace),
            self.store.audit_log(platform, workspace, AUDIT_SHOWN),
            self.store.daily_counts(platform, workspace, DAYS_SHOWN),
        )

    async def workspace_removed(self, platform: str, workspace: str) -> None:
        """The bot was uninstalled from a workspace (or its token revoked): forget
        everything kept about it."""
        removed = await self._in_store(self.store.forget_workspace, platform, workspace)
        log.info("workspace.forgotten", extra={"platform": platform, "records": removed})

    async def keep_alive(self) -> None:
        """Forever: say this run is alive, every sixth of the run timeout."""
        while True:
            await asyncio.sleep(self.store.run_timeout / 6)
            await self._in_store(self.store.beat, self.run_id)

    def close(self) -> None:
        """Stop the workers; say this run ended (what it still holds is free at once); stop
        the store's thread."""
        self.pool.close()
        self._store_thread.submit(self.store.end, self.run_id).result()
        self._store_thread.shutdown(wait=True)


def _left_out(limit: int, links: Sequence[str]) -> Outcome:
    """The outcome that names the links a message had over the limit."""
    shown = ", ".join(links[:LEFT_OUT_NAMED])
    more = len(links) - LEFT_OUT_NAMED
    target = f"{shown} and {counted(more, 'more link')}" if more > 0 else shown
    reason = (
        f"I check at most {counted(limit, 'link')} in one message; "
        "ask for the others with `/sourcecheck check <link>`."
    )
    return Outcome(target, error=AnalysisError(ErrorCode.TOO_MANY_LINKS, reason))


def _internal(error: BaseException) -> AnalysisError:
    """An unexpected failure, logged by type only (its text may hold article content)."""
    log.error("analysis.failed", extra={"error": type(error).__name__})
    return AnalysisError(
        ErrorCode.INTERNAL, "Something went wrong while checking this link, so it was skipped."
    )


def _shown(reply: Reply | None) -> Outcome | None:
    """The outcome a reply's "Show all" opens: its first report of a link (pasted text is
    not cached)."""
    outcomes = reply.outcomes if reply is not None else ()
    return next((o for o in outcomes if o.report and o.cache_key), None)


def _quiet(channel: ChannelSettings, message: Incoming, reply: Reply) -> bool:
    """In a quiet channel, a message nobody asked about whose reports flag nothing (or
    that could not be analysed) gets no reply."""
    if channel.mode != "quiet" or message.mentioned:
        return False
    if reply.kind not in (ReplyKind.ANALYSIS, ReplyKind.ERROR):
        return False
    return not any(report.stats.flagged for report in reply.reports)


def _quietly(reply: Reply) -> Reply:
    """The reaction that says the bot read the message (its text for plain-text chats)."""
    return replace(reply, kind=ReplyKind.READ, text=READ_TEXT)


def _slow_down() -> Reply:
    """The one quiet notice a member over a rate limit gets (only they see it)."""
    return Reply(kind=ReplyKind.NOTICE, text=SLOW_DOWN, ephemeral=True)


def _held(message: Incoming, targets: list[Target]) -> str | None:
    """What a claim holds for a restart to answer: the message without its text, when all
    it asks about are links (pasted text is never stored)."""
    links = tuple(target.url for target in targets if isinstance(target, Link))
    if len(links) < len(targets):
        return None
    return _to_json(replace(message, text="", links=links))


def _to_json(message: Incoming) -> str:
    fields = asdict(message)
    del fields["received"]
    return json.dumps(fields)


def _from_json(text: str) -> Incoming:
    """A held message, taken over (claimed by this run already)."""
    fields = json.loads(text)
    return Incoming(**fields | {"links": tuple(fields["links"]), "held": True})


def _keys(message: Incoming) -> list[str]:
    keys = [message_key(message.workspace, message.channel, message.message_id)]
    if message.event_id:
        keys.append(f"event:{message.event_id}")
    return keys


def _rule(rules: dict[str, str], link: str) -> str | None:
    host = domain_of(link)
    matches = [domain for domain in rules if domain_matches(host, domain)]
    return rules[max(matches, key=len)] if matches else None


def _wanted(link: str, rules: dict[str, str], channel: ChannelSettings, message: Incoming) -> bool:
    rule = _rule(rules, link)
    if rule == "deny":
        return False
    return channel.mode in EVERY_LINK or message.mentioned or rule == "always"


def _reply(outcomes: list[Outcome]) -> Reply:
    parts = []
    for outcome in outcomes:
        if outcome.report is not None:
            parts.append(render_text(outcome.report))
        elif outcome.error is not None:
            parts.append(outcome.error_line())
    kind = ReplyKind.ANALYSIS if any(o.report for o in outcomes) else ReplyKind.ERROR
    return Reply(kind=kind, text="\n\n".join(parts), outcomes=tuple(outcomes))
