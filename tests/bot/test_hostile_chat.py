"""Issue 12: hostile chat input must never stop the bot. Each test is named after the item
of the issue it holds to. Real store, real worker pool, pages on 127.0.0.1 only."""

import asyncio
import os
import signal
from dataclasses import replace

import pytest
from aiohttp import web

from analysis.extract import MAX_BODY_CHARS
from bot import AnalysisPool, Bot, Digest, ReplyKind, Settings, Store
from tests.bot.conftest import process_pool
from tests.conftest import SEEDS
from tests.fakes.article_server import ArticleServer
from tests.fakes.chat import TestAdapter

PAGE = (SEEDS / "001_city_budget.html").read_bytes()


@pytest.fixture
def chat(settings: Settings, pool: AnalysisPool) -> TestAdapter:
    return TestAdapter(Bot(settings, Store.open(settings.db_url), pool))


def redirect_to(location: str):
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(status=302, headers={"Location": location})

    return handler


@pytest.fixture
async def server():
    async with ArticleServer() as articles:
        articles.add_page("/budget", PAGE, "text/html; charset=utf-8")
        articles.add_handler("/js", redirect_to("javascript:x"))
        articles.add_handler("/bigport", redirect_to("http://127.0.0.1:99999/"))
        articles.add_handler("/idn", redirect_to("http://xn--zz/"))
        yield articles


async def answered_then_working(chat: TestAdapter, server: ArticleServer, text: str) -> str:
    """The hostile message gets a polite error reply, and the next link is still analysed."""
    reply = await asyncio.wait_for(chat.say(text), timeout=20)
    assert reply is not None and reply.kind == ReplyKind.ERROR
    following = await asyncio.wait_for(chat.say(server.url("/budget")), timeout=60)
    assert following is not None and following.kind == ReplyKind.ANALYSIS
    return reply.text


async def test_item_1_an_invalid_punycode_host_is_answered(chat, server) -> None:
    text = await answered_then_working(chat, server, "look <http://xn--zz/>")
    assert "web link" in text


@pytest.mark.parametrize("path", ["/js", "/bigport", "/idn"])
async def test_item_1_a_redirect_to_an_unusable_link_is_answered(chat, server, path) -> None:
    text = await answered_then_working(chat, server, server.url(path))
    assert "I couldn't analyse" in text


class FailingRunner:
    """A runner whose analyses fail the way no analysis error does (a bug, a broken worker)."""

    lanes = 1

    def __init__(self) -> None:
        self.calls = 0

    async def load(self, fetched):
        self.calls += 1
        await asyncio.sleep(0.2)
        raise RuntimeError("secret article text that must not reach the log")

    def close(self) -> None:
        pass


async def test_item_1_an_unexpected_failure_reaches_every_waiter(settings, server, caplog) -> None:
    failing = FailingRunner()
    pool = AnalysisPool(failing, 4, settings.fetch_policy())
    chat = TestAdapter(Bot(settings, Store.open(settings.db_url), pool))
    link = server.url("/budget")
    replies = await asyncio.wait_for(
        asyncio.gather(*(chat.say(f"{link} copy {i}") for i in range(3))), timeout=10
    )
    assert failing.calls == 1
    assert all(r is not None and r.kind == ReplyKind.ERROR for r in replies)
    assert all("went wrong" in r.text for r in replies)
    assert "secret article text" not in caplog.text
    assert len(chat.posted) == 3


async def test_item_2_a_sites_reason_phrase_is_not_repeated(chat, server) -> None:
    async def hostile(request: web.Request) -> web.StreamResponse:
        return web.Response(status=404, reason="<!channel> click <https://evil.example|here>")

    server.add_handler("/hostile", hostile)
    text = await answered_then_working(chat, server, server.url("/hostile"))
    assert "404 Not Found" in text
    assert "<!channel>" not in text and "evil.example" not in text


async def test_item_11_a_check_in_a_disabled_or_muted_channel_is_answered_privately(
    chat, server
) -> None:
    link = server.url("/budget")
    public = await chat.command(f"/sourcecheck check {link}", moderator=False)
    assert public.kind == ReplyKind.ANALYSIS and not public.ephemeral
    await chat.command("/sourcecheck disable")
    private = await chat.command(f"/sourcecheck check {link}", moderator=False)
    assert private.kind == ReplyKind.ANALYSIS and private.ephemeral
    await chat.command("/sourcecheck enable")
    await chat.command("/sourcecheck mute 30")
    muted = await chat.command(f"/sourcecheck check {link}", moderator=False)
    assert muted.ephemeral and muted.reports


async def test_item_19_a_channel_moderator_cannot_change_workspace_wide_settings(chat) -> None:
    """Issue 12, item 19: Manage Messages in one channel is not Manage Server."""
    channel_only = {"moderator": True, "is_admin": False}
    refused = await chat.command("/sourcecheck domains deny evil.example", **channel_only)
    assert "workspace admin" in refused.text
    assert "workspace admin" in (await chat.command("/sourcecheck log 5", **channel_only)).text
    listed = await chat.command("/sourcecheck domains list", **channel_only)
    assert "workspace admin" not in listed.text
    changed = await chat.command("/sourcecheck sensitivity high", **channel_only)
    assert "now high" in changed.text
    admin = await chat.command("/sourcecheck domains deny evil.example", is_admin=True)
    assert "evil.example" in admin.text and "workspace admin" not in admin.text


async def test_item_10_a_channels_settings_apply_in_its_threads(chat, server) -> None:
    """Issue 12, item 10: Discord threads are channels of their own; their parent decides."""
    link = server.url("/budget")
    await chat.command("/sourcecheck disable", channel="T1", parent="C1")
    assert await chat.say(link, channel="T1", parent="C1") is None
    assert await chat.say(link, channel="C1") is None
    await chat.command("/sourcecheck enable", channel="C1")
    await chat.command("/sourcecheck mute 30", channel="C1")
    assert await chat.say(link, channel="T2", parent="C1", message_id="M7") is None
    await chat.command("/sourcecheck unmute", channel="C1")
    answered = await chat.say(link, channel="T2", parent="C1", message_id="M8")
    assert answered is not None and answered.kind == ReplyKind.ANALYSIS


def run_on_page(characters: int) -> bytes:
    """A text/plain page of `characters` characters: the seed's paragraphs, repeated."""
    seed = (SEEDS / "000_942a618684aacc33.txt").read_text()
    return ((seed + "\n\n") * (characters // len(seed) + 1))[:characters].encode()


async def test_item_4_an_analysis_that_overruns_is_stopped_and_its_worker_replaced(
    settings, server
) -> None:
    server.add_page("/long", run_on_page(150_000), "text/plain; charset=utf-8")
    quick = process_pool(settings, capacity=3, time_limit=0.5)
    try:
        chat = TestAdapter(Bot(settings, Store.open(settings.db_url), quick))
        before = quick.runner.pids
        reply = await asyncio.wait_for(chat.say(server.url("/long")), timeout=120)
        assert reply is not None and reply.kind == ReplyKind.ERROR
        assert "took longer than the 0.5 seconds allowed" in reply.text
        assert quick.runner.replaced == 1 and quick.runner.pids != before
        quick.runner.time_limit = 60.0
        following = await asyncio.wait_for(chat.say(server.url("/budget")), timeout=120)
        assert following is not None and following.kind == ReplyKind.ANALYSIS
    finally:
        quick.close()


async def test_item_4_a_worker_that_dies_is_replaced(settings, server) -> None:
    lonely = process_pool(settings, capacity=3)
    try:
        chat = TestAdapter(Bot(settings, Store.open(settings.db_url), lonely))
        first = await asyncio.wait_for(chat.say(server.url("/budget")), timeout=120)
        assert first is not None and first.kind == ReplyKind.ANALYSIS
        os.kill(lonely.runner.pids[0], signal.SIGKILL)
        server.add_page("/again", PAGE, "text/html; charset=utf-8")
        died = await asyncio.wait_for(chat.say(server.url("/again")), timeout=120)
        assert died is not None and died.kind == ReplyKind.ERROR and "unexpectedly" in died.text
        server.add_page("/once-more", PAGE, "text/html; charset=utf-8")
        after = await asyncio.wait_for(chat.say(server.url("/once-more")), timeout=120)
        assert after is not None and after.kind == ReplyKind.ANALYSIS
    finally:
        lonely.close()


async def test_item_4_a_very_long_page_is_read_to_the_documented_size(chat, server) -> None:
    server.add_page("/long", run_on_page(3 * MAX_BODY_CHARS), "text/plain; charset=utf-8")
    reply = await asyncio.wait_for(chat.say(server.url("/long")), timeout=120)
    assert reply is not None and reply.kind == ReplyKind.ANALYSIS
    report = reply.reports[0]
    assert report.truncated and report.sentences[-1].end <= MAX_BODY_CHARS
    assert report.sentences[-1].text.endswith((".", "?", "!", "”", '"'))
    assert f"first {MAX_BODY_CHARS:,} characters" in reply.text
    assert f"first {MAX_BODY_CHARS:,} characters" in Digest.of(report).footer(str)


async def test_item_5_a_flooding_member_is_told_once_and_others_are_still_answered(
    settings, pool, server
) -> None:
    chat = TestAdapter(Bot(replace(settings, member_rate=2), Store.open(settings.db_url), pool))
    link = server.url("/budget")
    replies = [await chat.say(link, author="flood") for _ in range(5)]
    kinds = [r.kind if r else None for r in replies]
    assert kinds == [ReplyKind.ANALYSIS, ReplyKind.ANALYSIS, ReplyKind.NOTICE, None, None]
    assert replies[2] is not None and replies[2].ephemeral and "faster" in replies[2].text
    calm = await chat.say(link, author="calm")
    assert calm is not None and calm.kind == ReplyKind.ANALYSIS
    assert await chat.say(link, author="flood") is None
    assert (await chat.command(f"check {link}", author="flood")).text.startswith("You're sending")


async def test_item_5_a_busy_channel_is_limited_and_other_channels_are_not(
    settings, pool, server
) -> None:
    chat = TestAdapter(Bot(replace(settings, channel_rate=3), Store.open(settings.db_url), pool))
    link = server.url("/budget")
    replies = [await chat.say(link, author=f"member{n}") for n in range(4)]
    assert [r.kind for r in replies if r] == [ReplyKind.ANALYSIS] * 3 + [ReplyKind.NOTICE]
    assert replies[3] is not None and replies[3].ephemeral
    elsewhere = await chat.say(link, author="member9", channel="C2")
    assert elsewhere is not None and elsewhere.kind == ReplyKind.ANALYSIS


async def test_item_5_the_window_slides(settings, pool, server) -> None:
    now = [1000.0]
    bot = Bot(replace(settings, member_rate=1), Store.open(settings.db_url), pool, lambda: now[0])
    chat = TestAdapter(bot)
    link = server.url("/budget")
    assert (await chat.say(link)).kind == ReplyKind.ANALYSIS
    assert (await chat.say(link)).kind == ReplyKind.NOTICE
    now[0] += 61
    assert (await chat.say(link)).kind == ReplyKind.ANALYSIS
