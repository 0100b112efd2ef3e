"""The bot core through the test adapter: real store, real analysis, articles on 127.0.0.1."""

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import event

from analysis import Sensitivity
from bot import AnalysisPool, Bot, Digest, ReplyKind, Settings, Store
from tests.bot.conftest import process_pool
from tests.conftest import SEEDS
from tests.fakes.article_server import ArticleServer, trickle
from tests.fakes.chat import TestAdapter

ROOT = Path(__file__).resolve().parents[2]
PAGE = (SEEDS / "001_city_budget.html").read_bytes()
OTHER = (SEEDS / "002_health_claims.html").read_bytes()
PASTED = (SEEDS / "000_942a618684aacc33.txt").read_text()


@pytest.fixture
async def server():
    async with ArticleServer() as articles:
        articles.add_page("/budget", PAGE, "text/html; charset=utf-8")
        articles.add_page("/health", OTHER, "text/html; charset=utf-8")
        yield articles


def make_bot(settings: Settings, pool: AnalysisPool) -> Bot:
    return Bot(settings, Store.open(settings.db_url), pool)


@pytest.fixture
def chat(settings: Settings, pool: AnalysisPool) -> TestAdapter:
    return TestAdapter(make_bot(settings, pool))


async def test_a_link_gets_one_threaded_reply_that_flags_claims(chat, server) -> None:
    reply = await chat.say(f"worth a read <{server.url('/budget')}>")
    assert reply is not None and reply.kind == ReplyKind.ANALYSIS
    (posted,) = chat.posted
    assert posted.thread == "M1"
    report = reply.reports[0]
    assert report.stats.flagged >= 3
    assert "Critics say" in reply.text


async def test_a_reply_in_a_thread_stays_in_that_thread(chat, server) -> None:
    await chat.say(server.url("/budget"), thread="T9")
    assert chat.posted[0].thread == "T9"


async def test_the_same_link_again_is_served_from_the_cache(chat, server) -> None:
    first = await chat.say(server.url("/budget"))
    second = await chat.say(server.url("/budget") + "?utm_source=x#top")
    assert first and second and first.reports[0].title == second.reports[0].title
    assert server.hits["/budget"] == 1
    assert len(chat.posted) == 2


async def test_concurrent_posts_of_one_link_fetch_it_once(chat, server) -> None:
    await asyncio.gather(*(chat.say(server.url("/health")) for _ in range(3)))
    assert server.hits["/health"] == 1
    assert len(chat.posted) == 3


async def test_a_message_is_answered_once_across_retries_and_restarts(
    chat, server, settings, pool
) -> None:
    message = chat.message(server.url("/budget"), event_id="Ev1")
    assert await chat.deliver(message) is not None
    assert await chat.deliver(message) is None
    retry = chat.message(server.url("/budget"), event_id="Ev1", message_id="M99")
    assert await chat.deliver(retry) is None
    restarted = TestAdapter(make_bot(settings, pool))
    assert await restarted.deliver(message) is None


async def test_a_message_whose_first_attempt_crashed_is_answered(
    chat, server, settings, pool
) -> None:
    message = chat.message(server.url("/budget"), event_id="Ev2")
    chat.bot.store.claim("test", ["msg:W1:C1:" + message.message_id], "a-crashed-run", "{}")
    assert await chat.deliver(message) is not None


async def test_bots_opted_out_users_and_denied_domains_are_ignored(chat, server) -> None:
    assert await chat.say(server.url("/budget"), author_is_bot=True) is None
    await chat.command("/sourcecheck optout", author="bob", moderator=False)
    assert await chat.say(server.url("/budget"), author="bob") is None
    await chat.command("/sourcecheck domains deny 127.0.0.1")
    assert await chat.say(server.url("/budget")) is None
    assert chat.posted == [] and server.hits["/budget"] == 0


async def test_pasted_text_is_analysed(chat) -> None:
    reply = await chat.say(PASTED)
    assert reply is not None and reply.reports[0].stats.flagged >= 5


async def test_short_text_without_a_link_is_left_alone(chat) -> None:
    assert await chat.say("morning all, coffee at ten?") is None


async def test_links_in_code_are_not_analysed(chat, server) -> None:
    assert await chat.say(f"use `curl {server.url('/budget')}` to test") is None


async def test_settings_commands_persist_across_a_restart(chat, settings, pool) -> None:
    for command in (
        "/sourcecheck mode mention",
        "/sourcecheck sensitivity high",
        "/sourcecheck domains always example.org",
        "/sourcecheck mute 30",
    ):
        reply = await chat.command(command)
        assert reply.kind == ReplyKind.COMMAND and "Usage" not in reply.text
    store = Store.open(settings.db_url)
    channel = store.channel("test", "W1", "C1")
    assert channel.mode == "mention" and channel.sensitivity is Sensitivity.HIGH
    assert channel.muted(store.clock())
    assert store.domain_rules("test", "W1") == {"example.org": "always"}
    restarted = TestAdapter(make_bot(settings, pool))
    log = await restarted.command("/sourcecheck log")
    assert "mode mention" in log.text and "mute 30 min" in log.text and "mod" in log.text
    listed = await restarted.command("/sourcecheck domains list", moderator=False)
    assert "example.org: always" in listed.text


async def test_a_non_moderator_cannot_change_settings(chat) -> None:
    for command in ("/sourcecheck disable", "/sourcecheck mute 5", "/sourcecheck log"):
        reply = await chat.command(command, moderator=False)
        assert "Only moderators" in reply.text
    assert chat.bot.store.channel("test", "W1", "C1").enabled


async def test_disabled_muted_and_mention_mode_channels(chat, server) -> None:
    await chat.command("/sourcecheck disable")
    assert await chat.say(server.url("/budget")) is None
    await chat.command("/sourcecheck enable")
    await chat.command("/sourcecheck mute 10")
    assert await chat.say(server.url("/budget")) is None
    await chat.command("/sourcecheck unmute")
    await chat.command("/sourcecheck mode mention")
    assert await chat.say(server.url("/budget")) is None
    assert await chat.say(server.url("/budget"), mentioned=True) is not None


async def test_check_runs_on_demand_even_in_mention_mode(chat, server) -> None:
    await chat.command("/sourcecheck mode mention")
    reply = await chat.command(f"/sourcecheck check {server.url('/budget')}", moderator=False)
    assert reply.kind == ReplyKind.ANALYSIS and reply.reports[0].stats.flagged >= 3


async def test_stats_count_links_and_flags(chat, server) -> None:
    await chat.say(server.url("/budget"))
    await chat.say(server.url("/health"))
    reply = await chat.command("/sourcecheck stats 7", moderator=False)
    assert "2 links analysed" in reply.text and "127.0.0.1" in reply.text


async def test_bad_commands_say_why(chat) -> None:
    assert "don't know" in (await chat.command("/sourcecheck frobnicate")).text
    assert "Usage" in (await chat.command("/sourcecheck mode sometimes")).text
    assert "Usage" in (await chat.command("/sourcecheck mute forever")).text
    assert "not a domain" in (await chat.command("/sourcecheck domains deny nonsense")).text


async def test_a_failed_fetch_is_answered_politely(chat, server) -> None:
    reply = await chat.say(server.url("/missing"))
    assert reply is not None and reply.kind == ReplyKind.ERROR
    assert reply.text.startswith("I couldn't analyse")


async def test_deleting_the_source_message_deletes_the_reply(chat, server) -> None:
    await chat.say(server.url("/budget"))
    await chat.bot.source_deleted("test", "W1", "C1", "M1", chat)
    assert chat.deleted == ["R1"]
    await chat.bot.source_deleted("test", "W1", "C1", "M1", chat)
    assert chat.deleted == ["R1"]


async def test_only_the_poster_or_a_moderator_can_dismiss(chat, server) -> None:
    await chat.say(server.url("/budget"), author="alice")
    record = await chat.bot.reply_record("test", "W1", ["C1"], "R1")
    stranger = chat.message("", author="mallory")
    assert await chat.bot.dismiss(stranger, record, chat) == (
        False,
        "Only the person who posted the link or a moderator can dismiss this.",
    )
    assert chat.deleted == []
    poster = chat.message("", author="alice")
    assert await chat.bot.dismiss(poster, record, chat) == (True, "Dismissed.")
    assert chat.deleted == ["R1"]
    assert chat.bot.store.reply_to("test", "W1", "C1", "M1") is None


async def test_a_reply_that_cannot_be_posted_leaves_the_message_to_its_retry(chat, server) -> None:
    """The one delivery path: a failed post forgets the claim, so a retry is answered."""

    class Failing:
        async def post(self, message, reply):
            raise ConnectionError("the platform is down")

        async def delete(self, record):
            raise AssertionError("nothing was posted")

    message = chat.message(server.url("/budget"))
    assert await chat.bot.answer(message, Failing()) is not None
    assert await chat.deliver(message) is not None
    assert len(chat.posted) == 1


async def test_a_full_queue_with_no_backlog_answers_busy(settings, server) -> None:
    server.add_handler("/slow", lambda request: trickle(request, delay=0.2))
    small = process_pool(settings, capacity=1)
    try:
        chat = TestAdapter(Bot(replace(settings, backlog=0), Store.open(settings.db_url), small))
        slow = asyncio.create_task(chat.say(server.url("/slow")))
        await asyncio.sleep(0.1)
        busy = await chat.say(server.url("/budget"))
        assert busy is not None and busy.kind == ReplyKind.NOTICE and "busy" in busy.text
        assert busy.ephemeral
        await slow
    finally:
        small.close()


async def test_a_digest_says_what_was_cut(chat, server) -> None:
    reply = await chat.say(server.url("/budget"))
    digest = Digest.of(reply.reports[0])
    cut = digest.cut(max_flags=1, max_quote=40)
    assert len(cut.flags) == 1 and cut.omitted == len(digest.flags) - 1
    assert len(cut.flags[0].text) <= 40 and cut.flags[0].reasons


async def test_a_message_waits_for_room_in_a_full_pool_and_is_answered(settings, server) -> None:
    server.add_page("/slow", PAGE, "text/html", delay=1.0)
    small = process_pool(settings, capacity=1)
    try:
        chat = TestAdapter(Bot(settings, Store.open(settings.db_url), small))
        first = asyncio.create_task(chat.say(server.url("/slow")))
        await asyncio.sleep(0.2)
        waiting = await asyncio.wait_for(chat.say(server.url("/budget")), timeout=120)
        assert waiting is not None and waiting.kind == ReplyKind.ANALYSIS
        assert first.done() and (await first).kind == ReplyKind.ANALYSIS
        assert small.in_use == 0
    finally:
        small.close()


async def test_show_all_shows_the_reply_at_its_channels_sensitivity(chat, server) -> None:
    """Issue 13, bug 3: "Show all" read the cached report at the default sensitivity."""
    assert "high" in (await chat.command("sensitivity high")).text
    reply = await chat.say(server.url("/budget"))
    posted = chat.posted[-1]
    record = await chat.bot.reply_record("test", "W1", [posted.channel], posted.reply_id)
    full = await chat.bot.full_reply(record)
    assert full is not None and record is not None and record.sensitivity == "high"
    (report,) = full.reports
    assert report.sensitivity == "high"
    assert report.stats.flagged == reply.reports[0].stats.flagged
    assert report.stats.flagged > chat.bot.cached_report(record.cache_key).stats.flagged


class Statements:
    """Counts the SQL statements an engine runs (an SQLAlchemy event listener)."""

    def __init__(self, engine) -> None:
        self.seen: list[str] = []
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, connection, cursor, statement, parameters, context, executemany) -> None:
        self.seen.append(statement.split()[0])

    def during(self) -> "Statements":
        self.seen.clear()
        return self


async def test_statements_per_fresh_and_per_cached_link(chat, server) -> None:
    """Issue 13: a fresh link costs at most 6 statements; a link shared lately, whose report
    is kept in memory, 4 (policy, claim, usage count, delivery)."""
    statements = Statements(chat.bot.store.engine)
    await chat.say(server.url("/health"))  # a first message warms nothing up but the pool
    fresh = statements.during()
    assert (await chat.say(server.url("/budget"))).kind == ReplyKind.ANALYSIS
    fresh_count = len(fresh.seen)
    cached = statements.during()
    assert (await chat.say(server.url("/budget"))).kind == ReplyKind.ANALYSIS
    cached_count = len(cached.seen)
    print(f"statements: fresh link {fresh_count}, cached link {cached_count}")
    assert fresh_count <= 6, fresh.seen
    assert cached_count <= 4, cached.seen


async def test_quiet_mode_reacts_and_replies_only_on_flags_or_when_asked(chat, server) -> None:
    """Issue 14: `/sourcecheck mode quiet`."""
    assert "quietly" in (await chat.command("mode quiet")).text
    flagged = await chat.say(server.url("/budget"))
    assert flagged.kind == ReplyKind.ANALYSIS and flagged.reports[0].stats.flagged
    unread = await chat.say(server.url("/missing"))
    assert unread.kind == ReplyKind.READ and unread.text == "Read: nothing flagged."
    asked = await chat.say(server.url("/missing"), mentioned=True)
    assert asked.kind == ReplyKind.ERROR
    assert "quiet" in (await chat.command("help")).text


async def test_stats_count_replies_posted_and_dismissed_per_channel(chat, server) -> None:
    await chat.say(server.url("/budget"), author="alice")
    await chat.say(server.url("/health"), channel="C2")
    await chat.say(server.url("/budget"), channel="C2")
    record = await chat.bot.reply_record("test", "W1", ["C1"], "R1")
    assert (await chat.bot.dismiss(chat.message("", author="alice"), record, chat))[0]
    stats = (await chat.command("stats")).text
    assert "#C2: 2 posted, 0 dismissed" in stats and "#C1: 1 posted, 1 dismissed" in stats


async def test_counts_read_in_the_singular_when_there_is_one(chat) -> None:
    """Issue 14: "1 minutes", "1 sentences"."""
    assert "for 1 minute." in (await chat.command("mute 1")).text
    assert "in the last 1 day." in (await chat.command("stats 1")).text


async def test_a_check_of_a_link_that_is_not_a_web_page_says_so(chat) -> None:
    """Issue 14: `check ftp://...` and `check javascript:...` were read as pasted text."""
    for target in ("ftp://example.com/a.txt", "javascript:alert(1)", "mailto:x@example.com"):
        reply = await chat.command(f"check {target}")
        assert reply.text == "Only web pages (http and https links) can be checked."


async def test_links_over_the_limit_are_named_not_dropped(chat, server) -> None:
    """Issue 14: a fourth link in one message was dropped without a word."""
    links = [server.url(f"/budget?page={n}") for n in range(7)]
    reply = await chat.say("reading list: " + " ".join(links))
    assert reply is not None and len(reply.reports) == 3
    left = reply.outcomes[-1]
    assert left.error is not None and left.error.code == "too_many_links"
    assert left.target == ", ".join(links[3:])
    assert reply.text.endswith(
        "I check at most 3 links in one message; ask for the others with "
        "`/sourcecheck check <link>`."
    )
    assert all(link in reply.text for link in links[3:])
    many = [server.url(f"/health?page={n}") for n in range(10)]
    checked = await chat.command("check " + " ".join(many))
    assert len(checked.reports) == 3
    assert checked.outcomes[-1].target.endswith(f"{many[7]} and 2 more links")


async def test_privacy_says_what_is_kept_and_forget_me_removes_it(chat, server) -> None:
    """Issue 16: `/sourcecheck privacy` and `/sourcecheck forget-me`, for any member; the
    statement is PRIVACY.md's."""
    privacy = await chat.command("privacy", moderator=False)
    assert "Message text: never stored" in privacy.text and "no LLM" in privacy.text
    assert privacy.ephemeral
    privacy_md = (ROOT / "PRIVACY.md").read_text()
    assert all(line in privacy_md for line in privacy.text.splitlines())
    await chat.command("optout", author="U7", moderator=False)
    await chat.command("sensitivity high", author="U7")
    await chat.command("optin", author="U7", moderator=False)
    await chat.say(server.url("/budget"), author="U7")
    await chat.command("optout", author="U7", moderator=False)
    store = chat.bot.store
    assert store.reply_to("test", "W1", "C1", "M5").author == "U7"
    assert [e.actor for e in store.audit_log("test", "W1", 10)] == ["U7"]
    forgot = await chat.command("forget-me", author="U7", moderator=False)
    assert forgot.text.startswith("Done: I removed 3 records about you")
    assert store.audit_log("test", "W1", 10) == []
    assert store.reply_to("test", "W1", "C1", "M5").author == ""
    assert not store.policy("test", "W1", "C1", "U7").opted_out
