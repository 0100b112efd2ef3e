"""The real bot process (`sourcecheck run`) against the local Discord."""

import asyncio
from pathlib import Path

import pytest

from tests.conftest import SEEDS
from tests.fakes.article_server import ArticleServer
from tests.fakes.bot_process import bot_process, log_tail
from tests.fakes.discord import (
    CHANNEL,
    NO_THREADS,
    THREAD,
    FakeDiscord,
    embed_error,
    message_payload,
    user,
)

MEMBER = user("42", "member")
EVERYONE = "68608"  # view channel, send messages, read history
MODERATOR = str(int(EVERYONE) | 1 << 13)  # + manage messages


@pytest.fixture
async def world(tmp_path: Path):
    async with FakeDiscord() as discord, ArticleServer() as articles:
        articles.add_page("/a", (SEEDS / "001_city_budget.html").read_bytes(), "text/html")
        settings = {
            "DISCORD_TOKEN": "discord-test-token",
            "DISCORD_API_URL": discord.base + "/api/v10",
            "DISCORD_GATEWAY_URL": discord.gateway_url,
        }
        async with bot_process(tmp_path, settings) as process:
            try:
                await asyncio.wait_for(discord.ready.wait(), timeout=60)
            except TimeoutError:
                raise AssertionError(log_tail(tmp_path)) from None
            await asyncio.sleep(0.5)
            yield discord, articles
            assert process.returncode is None, log_tail(tmp_path)
        log = (tmp_path / "bot.log").read_text(errors="replace")
        assert "discord-test-token" not in log and "Traceback" not in log, log[-3000:]


async def say(discord: FakeDiscord, text: str, channel: str = CHANNEL) -> str:
    message_id = discord.snowflake()
    await discord.dispatch("MESSAGE_CREATE", message_payload(message_id, channel, MEMBER, text))
    return message_id


async def test_a_link_gets_one_thread_with_one_embed_reply(world) -> None:
    discord, articles = world
    message_id = await say(discord, f"look at this <{articles.url('/a')}>")
    (thread,) = await discord.wait_for("POST", f"/channels/{CHANNEL}/messages/{message_id}/threads")
    assert thread.body["name"].startswith("City Council Approves")
    (reply,) = await discord.wait_for("POST", f"/channels/{message_id}/messages")
    embeds = reply.body["embeds"]
    assert len(embeds) == 1 and embed_error(embeds) is None
    assert "Riverton" in embeds[0]["description"]
    assert any("Critics say" in f["value"] for f in embeds[0]["fields"])
    assert reply.body["allowed_mentions"] == {"parse": []}
    assert reply.body.get("flags", 0) & 4 == 0  # no SUPPRESS_EMBEDS on our own reply


async def test_in_a_thread_the_reply_stays_there_and_no_permission_means_a_plain_reply(
    world,
) -> None:
    discord, articles = world
    await say(discord, articles.url("/a"), channel=THREAD)
    await discord.wait_for("POST", f"/channels/{THREAD}/messages")
    assert discord.called("POST", f"/channels/{THREAD}/messages/") == []
    message_id = await say(discord, articles.url("/a"), channel=NO_THREADS)
    (reply,) = await discord.wait_for("POST", f"/channels/{NO_THREADS}/messages", 2)[-1:]
    assert reply.body["message_reference"]["message_id"] == message_id
