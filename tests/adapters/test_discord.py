"""The real bot process (`sourcecheck run`) against the local Discord."""

import asyncio
import contextlib
import json
import os
import signal
from pathlib import Path

import pytest
from aiohttp import ClientError, ClientSession, web

from tests.conftest import SEEDS
from tests.fakes.article_server import ArticleServer
from tests.fakes.bot_process import free_port, log_tail, start_bot
from tests.fakes.discord import (
    CHANNEL,
    GUILD,
    NO_THREADS,
    THREAD,
    FakeDiscord,
    embed_error,
    interaction,
    message_payload,
    slash,
    thread,
    user,
)

MEMBER = user("42", "member")
EVERYONE = "68608"  # view channel, send messages, read history
MODERATOR = str(int(EVERYONE) | 1 << 13)  # + manage messages


def reaching(discord: FakeDiscord, token: str = "discord-test-token") -> dict[str, str]:
    """The settings that point the bot, with `token`, at the local Discord."""
    return {
        "DISCORD_TOKEN": token,
        "DISCORD_API_URL": discord.base + "/api/v10",
        "DISCORD_GATEWAY_URL": discord.gateway_url,
    }


@pytest.fixture
async def world(tmp_path: Path, request: pytest.FixtureRequest):
    """The bot against the local Discord; a test may add settings by parametrizing this
    fixture indirectly."""
    async with FakeDiscord() as discord, ArticleServer() as articles:
        articles.add_page("/a", (SEEDS / "001_city_budget.html").read_bytes(), "text/html")
        settings = reaching(discord) | getattr(request, "param", {})
        port = free_port()
        async with start_bot(tmp_path, settings | {"SOURCECHECK_PORT": str(port)}) as process:
            try:
                await asyncio.wait_for(discord.ready.wait(), timeout=60)
            except TimeoutError:
                raise AssertionError(log_tail(tmp_path)) from None
            assert await healthy(port) == {"ok": True, "adapters": {"discord": "connected"}}
            yield discord, articles
            assert process.returncode is None, log_tail(tmp_path)
        log = (tmp_path / "bot.log").read_text(errors="replace")
        assert "discord-test-token" not in log and "Traceback" not in log, log[-3000:]


async def healthy(port: int) -> dict:
    """`/healthz` once it says ok (discord.py is ready after the guilds), or its last word."""
    health: dict = {"ok": False, "adapters": {}}
    async with ClientSession() as session:
        for _ in range(600):
            with contextlib.suppress(ClientError):
                async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                    health = await response.json()
            if health["ok"]:
                break
            await asyncio.sleep(0.1)
    return health


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
    *_, reply = await discord.wait_for("POST", f"/channels/{NO_THREADS}/messages")
    assert str(reply.body["message_reference"]["message_id"]) == message_id


def check_options(target: str) -> list[dict]:
    return [
        {"name": "check", "type": 1, "options": [{"name": "target", "type": 3, "value": target}]}
    ]


async def test_check_is_deferred_then_followed_up_and_the_context_menu_does_the_same(
    world,
) -> None:
    discord, articles = world
    interaction_id = discord.snowflake()
    payload = slash(interaction_id, check_options(articles.url("/a")), permissions=EVERYONE)
    await discord.dispatch("INTERACTION_CREATE", payload)
    (callback,) = await discord.wait_for("POST", f"/interactions/{interaction_id}/")
    assert callback.body["type"] == 5
    (followup,) = await discord.wait_for("POST", "/webhooks/")
    assert followup.at > callback.at and embed_error(followup.body["embeds"]) is None
    assert any("Critics say" in f["value"] for f in followup.body["embeds"][0]["fields"])

    source_id = discord.snowflake()
    source = message_payload(source_id, CHANNEL, MEMBER, f"old news {articles.url('/a')}")
    menu_id = discord.snowflake()
    data = {
        "id": "2",
        "name": "Check sources",
        "type": 3,
        "target_id": source_id,
        "resolved": {"messages": {source_id: source}},
    }
    await discord.dispatch("INTERACTION_CREATE", interaction(menu_id, data, permissions=EVERYONE))
    await discord.wait_for("POST", f"/interactions/{menu_id}/")
    _, second = await discord.wait_for("POST", "/webhooks/", 2)
    assert second.body["embeds"]
    for reply in (followup, second):  # both public: Show all / Dismiss, as on every reply
        ids = [c["custom_id"] for row in reply.body["components"] for c in row["components"]]
        assert "sourcecheck:dismiss" in ids


async def test_a_member_without_manage_messages_cannot_change_settings(world) -> None:
    discord, articles = world
    interaction_id = discord.snowflake()
    disable = [{"name": "disable", "type": 1, "options": []}]
    await discord.dispatch(
        "INTERACTION_CREATE", slash(interaction_id, disable, permissions=EVERYONE)
    )
    (followup,) = await discord.wait_for("POST", "/webhooks/")
    assert "Only moderators" in followup.body["content"]
    assert followup.body.get("flags", 0) & 64  # ephemeral
    message_id = await say(discord, articles.url("/a"))
    await discord.wait_for("POST", f"/channels/{message_id}/messages")

    moderator_id = discord.snowflake()
    await discord.dispatch(
        "INTERACTION_CREATE", slash(moderator_id, disable, permissions=MODERATOR)
    )
    _, accepted = await discord.wait_for("POST", "/webhooks/", 2)
    assert "off" in accepted.body["content"]


async def test_a_rate_limited_reply_arrives_after_the_wait(world) -> None:
    discord, articles = world
    discord.faults["POST messages"].append(
        (
            429,
            {"Retry-After": "1", "Via": "1.1 google", "X-RateLimit-Scope": "user"},
            {"message": "You are being rate limited.", "retry_after": 1.0, "global": False},
        )
    )
    message_id = await say(discord, articles.url("/a"))
    limited, reply = await discord.wait_for("POST", f"/channels/{message_id}/messages", 2)
    assert limited.response["retry_after"] == 1.0
    assert reply.at - limited.at >= 0.9 and reply.body["embeds"]


async def until_identified(discord: FakeDiscord, count: int, process=None) -> None:
    """Wait (up to a minute) until `count` shards identified, or the bot process ended."""
    for _ in range(600):
        if len(discord.identified) >= count or (process and process.returncode is not None):
            return
        await asyncio.sleep(0.1)


async def test_two_shards_both_identify(tmp_path: Path) -> None:
    async with FakeDiscord(shards=2) as discord:
        settings = reaching(discord) | {"SOURCECHECK_DISCORD_SHARDS": "2"}
        async with start_bot(tmp_path, settings) as process:
            await until_identified(discord, 2, process)
            assert sorted(i["shard"] for i in discord.identified) == [[0, 2], [1, 2]], log_tail(
                tmp_path
            )


async def test_the_shards_split_across_processes_sharing_one_database(tmp_path: Path) -> None:
    """Issue 15: SOURCECHECK_DISCORD_SHARD_IDS says which of the shards each process runs."""
    async with FakeDiscord(shards=2) as discord:
        common = reaching(discord) | {
            "SOURCECHECK_DISCORD_SHARDS": "2",
            "SOURCECHECK_DB_URL": f"sqlite:///{tmp_path / 'shared.db'}",
        }
        (tmp_path / "a").mkdir()
        (tmp_path / "b").mkdir()
        first = start_bot(tmp_path / "a", common | {"SOURCECHECK_DISCORD_SHARD_IDS": "1"})
        second = start_bot(tmp_path / "b", common | {"SOURCECHECK_DISCORD_SHARD_IDS": "0"})
        async with first, second:
            await until_identified(discord, 2)
        assert sorted(i["shard"] for i in discord.identified) == [[0, 2], [1, 2]]


async def test_a_dead_connection_stops_the_bot_with_an_error(tmp_path: Path) -> None:
    async with FakeDiscord() as discord:
        settings = reaching(discord, token="bad-token") | {
            "SOURCECHECK_WORKERS": "0",  # the real process, for its exit status
        }
        async with start_bot(tmp_path, settings) as process:
            code = await asyncio.wait_for(process.wait(), timeout=60)
        assert code != 0
        log = log_tail(tmp_path)
        assert "the discord adapter stopped: Discord refused the bot token" in log
        assert "Traceback" not in log


def button(interaction_id: str, custom_id: str, reply: dict, clicker: dict, permissions: str):
    """A click on one of our reply's buttons, inside the thread the reply is in."""
    payload = interaction(
        interaction_id,
        {"custom_id": custom_id, "component_type": 2},
        permissions=permissions,
        channel=reply["channel_id"],
        member=clicker,
        kind=3,
        message=reply,
    )
    payload["channel"] = {**thread(reply["channel_id"], CHANNEL, "t"), "permissions": permissions}
    return payload


async def test_show_all_dismiss_and_a_deleted_source(world) -> None:
    discord, articles = world
    message_id = await say(discord, articles.url("/a"))
    (posted,) = await discord.wait_for("POST", f"/channels/{message_id}/messages")
    reply = posted.response
    assert [c["custom_id"] for row in reply["components"] for c in row["components"]] == [
        "sourcecheck:dismiss"
    ]  # nothing was cut, so no Show all

    show = discord.snowflake()
    await discord.dispatch(
        "INTERACTION_CREATE", button(show, "sourcecheck:show_all", reply, MEMBER, EVERYONE)
    )
    (shown,) = await discord.wait_for("POST", f"/interactions/{show}/")
    assert shown.body["type"] == 4 and shown.body["data"]["flags"] & 64
    assert "Critics say" in json.dumps(shown.body["data"]["embeds"])

    stranger = discord.snowflake()
    other = user("43", "stranger")
    await discord.dispatch(
        "INTERACTION_CREATE", button(stranger, "sourcecheck:dismiss", reply, other, EVERYONE)
    )
    (refused,) = await discord.wait_for("POST", f"/interactions/{stranger}/")
    assert "Only the person who posted" in refused.body["data"]["content"]
    assert discord.called("DELETE", "/channels/") == []

    poster = discord.snowflake()
    await discord.dispatch(
        "INTERACTION_CREATE", button(poster, "sourcecheck:dismiss", reply, MEMBER, EVERYONE)
    )
    (deleted,) = await discord.wait_for("DELETE", "/channels/")
    assert deleted.path == f"/channels/{message_id}/messages/{reply['id']}"

    source_id = await say(discord, f"again {articles.url('/a')}", channel=NO_THREADS)
    *_, second = await discord.wait_for("POST", f"/channels/{NO_THREADS}/messages")
    delete = {"id": source_id, "channel_id": NO_THREADS, "guild_id": GUILD}
    await discord.dispatch("MESSAGE_DELETE", delete)
    _, gone = await discord.wait_for("DELETE", "/channels/", 2)
    assert gone.path == f"/channels/{NO_THREADS}/messages/{second.response['id']}"


async def test_a_thread_a_member_opened_first_gets_the_reply(world) -> None:
    discord, articles = world
    message_id = discord.snowflake()
    discord.open_thread(message_id)
    payload = message_payload(message_id, CHANNEL, MEMBER, articles.url("/a"))
    await discord.dispatch("MESSAGE_CREATE", payload)
    (reply,) = await discord.wait_for("POST", f"/channels/{message_id}/messages")
    assert reply.body["embeds"]
    assert len(discord.called("POST", f"/channels/{CHANNEL}/messages/{message_id}/threads")) == 1


async def test_a_message_claimed_before_a_kill_9_is_answered_after_the_restart(
    tmp_path: Path,
) -> None:
    async with FakeDiscord() as discord, ArticleServer() as articles:
        articles.add_page(
            "/slow", (SEEDS / "001_city_budget.html").read_bytes(), "text/html", delay=4.0
        )
        settings = reaching(discord) | {
            "SOURCECHECK_DB_URL": f"sqlite:///{tmp_path / 'bot.db'}",
            "SOURCECHECK_WORKERS": "1",  # the real process and its worker, to kill
        }
        first, second = tmp_path / "first", tmp_path / "second"
        first.mkdir()
        second.mkdir()
        port = free_port()
        settings["SOURCECHECK_PORT"] = str(port)
        async with start_bot(first, settings) as process:
            assert (await healthy(port))["ok"], log_tail(first)
            message_id = await say(discord, articles.url("/slow"))
            for _ in range(600):  # until claimed, and the page is loading
                if articles.hits["/slow"]:
                    break
                await asyncio.sleep(0.05)
            assert articles.hits["/slow"] == 1, log_tail(first)
            os.kill(process.pid, signal.SIGKILL)
            await process.wait()
        assert discord.called("POST", f"/channels/{message_id}/messages") == []
        discord.ready.clear()
        async with start_bot(second, settings) as process:
            (reply,) = await discord.wait_for("POST", f"/channels/{message_id}/messages")
            await asyncio.sleep(2.0)
            assert process.returncode is None, log_tail(second)
        assert reply.body["embeds"]
        assert len(discord.called("POST", f"/channels/{message_id}/messages")) == 1


@pytest.mark.parametrize("world", [{"SOURCECHECK_MEMBER_RATE": "0"}], indirect=True)
async def test_a_burst_of_replies_all_arrive_through_rate_limits(world) -> None:
    discord, articles = world
    limited = {"Retry-After": "1", "Via": "1.1 google", "X-RateLimit-Scope": "user"}
    body = {"message": "You are being rate limited.", "retry_after": 1.0, "global": False}
    discord.faults["POST messages"].extend([(429, limited, body)] * 3)
    discord.faults["POST threads"].extend([(429, limited, body)] * 2)
    sent = [await say(discord, f"burst {articles.url('/a')}?n={n}") for n in range(15)]

    def delivered(message_id: str) -> int:
        posted = discord.called("POST", f"/channels/{message_id}/messages")
        return sum(bool(p.response.get("embeds")) for p in posted)

    for _ in range(600):
        if all(delivered(message_id) for message_id in sent):
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)
    assert [delivered(message_id) for message_id in sent] == [1] * len(sent)
    assert len(discord.called("POST", "/channels/")) >= len(sent) * 2 + 5  # the 429s were met


@pytest.mark.parametrize("world", [{"SOURCECHECK_MEMBER_RATE": "1"}], indirect=True)
async def test_item_5_a_member_over_the_limit_gets_one_quiet_reaction(world) -> None:
    discord, articles = world
    link = articles.url("/a")
    first = await say(discord, f"look <{link}>")
    second = await say(discord, f"and <{link}>")
    third = await say(discord, f"and again <{link}>")
    await discord.wait_for("POST", f"/channels/{CHANNEL}/messages/{first}/threads")
    (reaction,) = await discord.wait_for("PUT", f"/channels/{CHANNEL}/messages/{second}/reactions")
    assert "⏳" in reaction.path or "%E2%8F%B3" in reaction.path
    await asyncio.sleep(1.0)
    assert not discord.called("PUT", f"/channels/{CHANNEL}/messages/{third}/reactions")
    assert len([c for c in discord.calls if c.path.endswith("/threads")]) == 1


async def test_a_checks_reply_can_be_shown_in_full_and_dismissed_at_its_sensitivity(
    world,
) -> None:
    """Issue 13, bugs 1-3 on Discord: a /sourcecheck check reply carries the buttons and is
    recorded (Dismiss works on it); Show all finds the report of a link that redirected, at
    the channel's sensitivity."""
    discord, articles = world

    async def shortened(request):
        return web.Response(status=302, headers={"Location": articles.url("/a")})

    articles.add_handler("/s/x1", shortened)
    level = [{"name": "level", "type": 3, "value": "high"}]
    setting = discord.snowflake()
    options = [{"name": "sensitivity", "type": 1, "options": level}]
    await discord.dispatch("INTERACTION_CREATE", slash(setting, options, permissions=MODERATOR))
    await discord.wait_for("POST", "/webhooks/")

    check = discord.snowflake()
    payload = slash(check, check_options(articles.url("/s/x1")), permissions=EVERYONE)
    await discord.dispatch("INTERACTION_CREATE", payload)
    _, followup = await discord.wait_for("POST", "/webhooks/", 2)
    reply = followup.response
    ids = [c["custom_id"] for row in followup.body["components"] for c in row["components"]]
    assert "sourcecheck:dismiss" in ids

    show = discord.snowflake()
    await discord.dispatch(
        "INTERACTION_CREATE", button(show, "sourcecheck:show_all", reply, MEMBER, EVERYONE)
    )
    (shown,) = await discord.wait_for("POST", f"/interactions/{show}/")
    text = json.dumps(shown.body["data"])
    assert "expired" not in text and "sensitivity high" in text

    dismiss = discord.snowflake()
    await discord.dispatch(
        "INTERACTION_CREATE", button(dismiss, "sourcecheck:dismiss", reply, MEMBER, EVERYONE)
    )
    (deleted,) = await discord.wait_for("DELETE", "/channels/")
    assert deleted.path == f"/channels/{reply['channel_id']}/messages/{reply['id']}"


async def test_quiet_mode_reacts_to_what_it_read_and_replies_only_on_flags(world) -> None:
    """Issue 14: in quiet mode a link with nothing flagged gets a 👀 reaction, no thread."""
    discord, articles = world
    setting = discord.snowflake()
    options = [
        {"name": "mode", "type": 1, "options": [{"name": "mode", "type": 3, "value": "quiet"}]}
    ]
    await discord.dispatch("INTERACTION_CREATE", slash(setting, options, permissions=MODERATOR))
    (done,) = await discord.wait_for("POST", "/webhooks/")
    assert "quietly" in done.body["content"]
    quiet = await say(discord, articles.url("/missing"))
    (reaction,) = await discord.wait_for("PUT", f"/channels/{CHANNEL}/messages/{quiet}/reactions")
    assert "👀" in reaction.path or "%F0%9F%91%80" in reaction.path
    flagged = await say(discord, articles.url("/a"))
    (reply,) = await discord.wait_for("POST", f"/channels/{flagged}/messages")
    assert reply.body["embeds"]
    assert not discord.called("POST", f"/channels/{quiet}/messages")

    clicked = {
        "user_id": MEMBER["id"],
        "channel_id": CHANNEL,
        "message_id": quiet,
        "guild_id": GUILD,
        "emoji": {"id": None, "name": "👀"},
        "type": 0,
    }
    await discord.dispatch("MESSAGE_REACTION_ADD", clicked)  # a member asks: the full reply
    (asked,) = await discord.wait_for("POST", f"/channels/{quiet}/messages")
    assert "couldn't analyse" in json.dumps(asked.body)


async def test_privacy_and_forget_me_for_any_member(world) -> None:
    """Issue 16: both commands on Discord, answered to the member alone."""
    discord, _ = world
    for name in ("privacy", "forget-me"):
        await discord.dispatch(
            "INTERACTION_CREATE",
            slash(
                discord.snowflake(),
                [{"name": name, "type": 1, "options": []}],
                permissions=EVERYONE,
            ),
        )
    privacy, forgot = await discord.wait_for("POST", "/webhooks/", 2)
    assert "no LLM" in privacy.body["content"] and privacy.body.get("flags", 0) & 64
    assert forgot.body["content"].startswith("Done: I removed") and forgot.body.get("flags", 0) & 64
