"""The real bot process (`sourcecheck run`) in Slack HTTP mode against the local Slack."""

import asyncio
import json
from pathlib import Path

import pytest
import yaml
from aiohttp import ClientSession, web

from adapters.slack.app import EVENTS_PATH
from bot import Store
from tests.conftest import SEEDS
from tests.fakes.article_server import ArticleServer
from tests.fakes.bot_process import free_port, log_tail, start_bot
from tests.fakes.slack import (
    BOT_USER,
    TEAM,
    EventSender,
    FakeSlack,
    block_kit_error,
    message_event,
)

SECRET = "test-signing-secret"
DEPLOY = Path(__file__).parents[2] / "deploy"
MANIFESTS = [DEPLOY / "slack-manifest.yaml", DEPLOY / "slack-manifest-http.yaml"]


@pytest.fixture
async def world(tmp_path: Path, request: pytest.FixtureRequest):
    """The bot in HTTP mode against the local Slack; a test may add settings by
    parametrizing this fixture indirectly."""
    async with FakeSlack() as slack, ArticleServer() as articles:
        articles.add_page("/a", (SEEDS / "001_city_budget.html").read_bytes(), "text/html")
        port = free_port()
        settings = slack.http_mode(port, SECRET) | getattr(request, "param", {})
        async with start_bot(tmp_path, settings) as process:
            base = f"http://127.0.0.1:{port}"
            await _wait_healthy(base, process, tmp_path)
            yield slack, articles, EventSender(base + "/slack/events", SECRET)
        log = (tmp_path / "bot.log").read_text(errors="replace")
        assert "xoxb-test" not in log and SECRET not in log


async def _wait_healthy(base: str, process, folder: Path) -> None:
    async with ClientSession() as session:
        for _ in range(300):
            if process.returncode is not None:
                raise AssertionError(log_tail(folder))
            try:
                async with session.get(base + "/healthz") as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("the bot did not start:\n" + log_tail(folder))


@pytest.mark.parametrize("world", [{"SOURCECHECK_WORKERS": "1"}], indirect=True)
async def test_a_link_gets_exactly_one_threaded_reply(world) -> None:
    """End to end: the bot process with its worker process."""
    slack, articles, sender = world
    link = articles.url("/a")
    assert await sender.send(message_event(f"look <{link}|this>", "100.1")) == 200
    (post,) = await slack.wait_for("chat.postMessage")
    body = post.body
    assert body["channel"] == "C1" and body["thread_ts"] == "100.1"
    assert body["unfurl_links"] is False and body["unfurl_media"] is False
    assert block_kit_error(body) is None
    blocks = str(body["blocks"])
    assert "Summary" in blocks and "Critics say" in blocks
    await asyncio.sleep(1.0)
    assert len(slack.called("chat.postMessage")) == 1


@pytest.mark.parametrize("world", [{"SOURCECHECK_WORKERS": "0"}], indirect=True)
async def test_metrics_and_health_are_served_on_the_http_port(world) -> None:
    """In a process of its own, so the counters start at zero."""
    slack, articles, sender = world
    base = sender.url.removesuffix("/slack/events")
    assert await sender.send(message_event(articles.url("/a"), "150.1")) == 200
    await slack.wait_for("chat.postMessage")
    assert await sender.send(message_event(articles.url("/a"), "150.2")) == 200
    await slack.wait_for("chat.postMessage", 2)
    await asyncio.sleep(0.5)
    async with ClientSession() as session:
        async with session.get(base + "/healthz") as response:
            assert response.status == 200
            assert await response.json() == {"ok": True, "adapters": {"slack": "connected"}}
        async with session.get(base + "/metrics") as response:
            assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            text = await response.text()
        async with session.get(base + "/privacy") as response:  # the manifests link it
            assert response.status == 200 and "no LLM" in await response.text()
    values = {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line and not line.startswith("#")
    }
    assert values['sourcecheck_events_total{platform="slack"}'] == 2
    assert values['sourcecheck_replies_total{platform="slack"}'] == 2
    assert values["sourcecheck_cache_hits_total"] == 1
    assert values['sourcecheck_analyses_total{result="ok"}'] == 2
    assert values["sourcecheck_flags_total"] >= 6
    assert values["sourcecheck_reply_seconds_count"] == 2
    assert values["sourcecheck_loop_lag_seconds_count"] > 0
    assert "sourcecheck_loop_lag_p99_seconds" in values


async def test_retries_mention_pairs_and_unfurl_edits_give_one_reply(world) -> None:
    slack, articles, sender = world
    text = f"<@{BOT_USER}> check <{articles.url('/a')}>"
    await sender.send(message_event(text, "200.1"), event_id="EvA")
    await sender.send(message_event(text, "200.1"), event_id="EvA", retry=1)
    await sender.send({**message_event(text, "200.1"), "type": "app_mention"}, event_id="EvB")
    changed = {
        "type": "message",
        "subtype": "message_changed",
        "channel": "C1",
        "ts": "200.2",
        "message": message_event(text, "200.1"),
    }
    await sender.send(changed, event_id="EvC")
    await slack.wait_for("chat.postMessage")
    await asyncio.sleep(2.0)
    assert len(slack.called("chat.postMessage")) == 1


async def test_bad_signatures_and_stale_timestamps_are_refused(world) -> None:
    slack, articles, sender = world
    event = message_event(f"<{articles.url('/a')}>", "300.1")
    assert await sender.send(event, secret="wrong") == 401
    stale = int(sender.clock()) - 6 * 60
    assert await sender.send(event, timestamp=stale) == 401
    await asyncio.sleep(1.5)
    assert slack.called("chat.postMessage") == []


async def test_a_rate_limited_post_arrives_after_the_wait(world) -> None:
    slack, articles, sender = world
    slack.faults["chat.postMessage"].append(
        (429, {"Retry-After": "1"}, {"ok": False, "error": "ratelimited"})
    )
    slack.faults["chat.postMessage"].append((500, {}, {"ok": False, "error": "fatal_error"}))
    await sender.send(message_event(f"<{articles.url('/a')}>", "400.1"))
    first, _, third = await slack.wait_for("chat.postMessage", 3)
    assert third.at - first.at >= 0.9
    assert third.body["thread_ts"] == "400.1" and third.response["ok"]
    await asyncio.sleep(1.5)
    assert len(slack.called("chat.postMessage")) == 3


MANY_FLAGS = "".join(
    f"<p>The harbour board paid ${n},400 for repairs to berth {n} in {2000 + n}, "
    f"and the work on berth {n} took {n + 2} months.</p>"
    for n in range(1, 16)
)
LONG_PAGE = (
    "<html><head><title>Harbour repairs</title></head><body><article>"
    f"<h1>Harbour repairs cost more every year</h1>{MANY_FLAGS}</article></body></html>"
).encode()


def click(action_id: str, value: str, reply_ts: str, user: str) -> dict:
    return {
        "type": "block_actions",
        "user": {"id": user},
        "channel": {"id": "C1"},
        "container": {"type": "message", "message_ts": reply_ts, "channel_id": "C1"},
        "actions": [{"action_id": action_id, "value": value, "type": "button", "block_id": "b"}],
        "response_url": "http://127.0.0.1:9/unused",
    }


async def test_slash_commands_are_acked_in_time_and_refuse_non_moderators(world) -> None:
    slack, articles, sender = world
    slack.admins.add("UADMIN")
    respond = slack.base + "/respond/1"
    started = asyncio.get_running_loop().time()
    assert await sender.command("mode mention", user="U1", response_url=respond) == 200
    assert asyncio.get_running_loop().time() - started < 3
    (refusal,) = await slack.wait_for("response_url")
    assert "Only moderators" in refusal.body["text"]
    assert refusal.body["response_type"] == "ephemeral"
    assert await sender.command("mode mention", user="UADMIN", response_url=respond) == 200
    _, accepted = await slack.wait_for("response_url", 2)
    assert "mentioned" in accepted.body["text"]
    await sender.command(f"check {articles.url('/a')}", user="U1", response_url=respond)
    (post,) = await slack.wait_for("chat.postMessage")
    assert post.body["channel"] == "C1" and "thread_ts" not in post.body
    every = [
        "help",
        "enable",
        "disable",
        "mode auto",
        "sensitivity high",
        "domains deny x.example",
        "domains always y.example",
        "domains remove x.example",
        "domains list",
        "mute 5",
        "unmute",
        "stats 7",
        "log 5",
        "optout",
        "optin",
        "dismiss",
        "nonsense",
    ]
    for text in every:
        started = asyncio.get_running_loop().time()
        status = await sender.command(text, user="UADMIN", response_url=respond)
        assert status == 200 and asyncio.get_running_loop().time() - started < 3, text
    answers = await slack.wait_for("response_url", 2 + len(every))
    assert all(a.body["text"] for a in answers)


async def test_show_all_dismiss_and_source_deletion(world) -> None:
    slack, articles, sender = world
    articles.add_page("/long", LONG_PAGE, "text/html")
    link = articles.url("/long")
    await sender.send(message_event(f"<{link}>", "500.1", user="U1"))
    (post,) = await slack.wait_for("chat.postMessage")
    reply_ts = post.response["ts"]
    actions = next(b for b in post.body["blocks"] if b["type"] == "actions")["elements"]
    show_all = next(e for e in actions if e["action_id"] == "sourcecheck_show_all")
    assert "more" in str(post.body["blocks"])

    assert (
        await sender.interaction(click(show_all["action_id"], show_all["value"], reply_ts, "U2"))
        == 200
    )
    (full,) = await slack.wait_for("chat.postEphemeral")
    assert full.body["user"] == "U2" and block_kit_error(full.body) is None
    shown = [b for b in full.body["blocks"] if b["type"] == "section" and "“" in b["text"]["text"]]
    assert len(shown) > 10

    await sender.interaction(click("sourcecheck_dismiss", "dismiss", reply_ts, "U2"))
    _, refusal = await slack.wait_for("chat.postEphemeral", 2)
    assert "Only the person" in refusal.body["text"]
    await sender.interaction(click("sourcecheck_dismiss", "dismiss", reply_ts, "U1"))
    (deleted,) = await slack.wait_for("chat.delete")
    assert deleted.body["ts"] == reply_ts

    await sender.send(message_event(f"<{articles.url('/a')}>", "600.1", user="U1"))
    _, second = await slack.wait_for("chat.postMessage", 2)
    second_ts = second.response["ts"]
    gone = {
        "type": "message",
        "subtype": "message_deleted",
        "channel": "C1",
        "deleted_ts": "600.1",
        "ts": "600.9",
        "hidden": True,
    }
    await sender.send(gone)
    _, deleted = await slack.wait_for("chat.delete", 2)
    assert deleted.body["ts"] == second_ts


async def test_replies_in_one_channel_are_paced_and_failures_do_not_stop_the_bot(world) -> None:
    slack, articles, sender = world
    articles.add_page("/b", (SEEDS / "002_health_claims.html").read_bytes(), "text/html")
    slack.faults["chat.postMessage"].append((200, {}, {"ok": False, "error": "not_in_channel"}))
    await sender.send(message_event(f"<{articles.url('/a')}>", "800.1"))
    await slack.wait_for("chat.postMessage")
    await sender.send(message_event(f"<{articles.url('/a')}>", "800.2"))
    await sender.send(message_event(f"<{articles.url('/b')}>", "800.3"))
    calls = await slack.wait_for("chat.postMessage", 3)
    assert {c.body["thread_ts"] for c in calls[1:]} == {"800.2", "800.3"}
    assert calls[2].at - calls[1].at >= 0.9


def message_shortcut(text: str, ts: str, respond: str) -> dict:
    """The "Check sources" message shortcut on a message, as Slack sends it."""
    return {
        "type": "message_action",
        "callback_id": "check_sources",
        "user": {"id": "U3"},
        "channel": {"id": "C1"},
        "message": {"type": "message", "user": "U1", "ts": ts, "text": text},
        "response_url": respond,
    }


async def test_the_message_shortcut_checks_the_chosen_message(world) -> None:
    slack, articles, sender = world
    text = f"old news <{articles.url('/a')}>"
    assert (
        await sender.interaction(message_shortcut(text, "900.1", slack.base + "/respond/9")) == 200
    )
    (post,) = await slack.wait_for("chat.postMessage")
    assert post.body["thread_ts"] == "900.1" and "Critics say" in str(post.body["blocks"])


async def test_item_12_the_shortcut_reads_the_message_as_slack_encodes_it(world) -> None:
    """Issue 12, item 12: `&amp;` and `<url|label>` are decoded before the link is fetched."""
    slack, articles, sender = world
    link = articles.url("/a") + "?a=1&b=2"
    text = f"read <{link.replace('&', '&amp;')}|this>"
    assert (
        await sender.interaction(message_shortcut(text, "901.1", slack.base + "/respond/9")) == 200
    )
    (post,) = await slack.wait_for("chat.postMessage")
    assert "Critics say" in str(post.body["blocks"])
    assert articles.queries["/a"] == ["a=1&b=2"]


async def test_item_20_a_replayed_slash_command_runs_once(world) -> None:
    """Issue 12, item 20: a captured signed command, sent again within Slack's window."""
    slack, _, sender = world
    respond = slack.base + "/respond/20"
    for _ in range(2):
        status = await sender.command(
            "stats 7", user="U1", response_url=respond, trigger_id="captured"
        )
        assert status == 200
    (answer,) = await slack.wait_for("response_url")
    await asyncio.sleep(1.0)
    assert len(slack.called("response_url")) == 1
    assert answer.body["text"]


async def test_item_13_a_check_in_a_channel_the_bot_has_not_joined_still_answers(world) -> None:
    """Issue 12, item 13: `not_in_channel` falls back to the command's response URL."""
    slack, articles, sender = world
    slack.faults["chat.postMessage"].append((200, {}, {"ok": False, "error": "not_in_channel"}))
    respond = slack.base + "/respond/13"
    await sender.command(f"check {articles.url('/a')}", user="U1", response_url=respond)
    (answer,) = await slack.wait_for("response_url")
    assert answer.body["response_type"] == "in_channel"
    assert "Critics say" in str(answer.body["blocks"])


async def test_item_18_a_timestamp_that_is_not_a_number_is_refused(world) -> None:
    """Issue 12, item 18: it gave a 500; it is a bad request, refused like a bad signature."""
    slack, _, sender = world
    body = json.dumps({"type": "event_callback", "event": message_event("hi", "5.1")})
    status = await sender.post(body, "application/json", {"X-Slack-Request-Timestamp": "soon"})
    assert status == 401
    assert slack.called("chat.postMessage") == []


@pytest.mark.parametrize("world", [{"SOURCECHECK_MEMBER_RATE": "1"}], indirect=True)
async def test_item_5_a_member_over_the_limit_is_told_once_and_only_privately(world) -> None:
    slack, articles, sender = world
    link = articles.url("/a")
    for number in range(3):
        event = message_event(f"look <{link}>", f"300.{number}", user="UFLOOD")
        assert await sender.send(event, event_id=f"EvFlood{number}") == 200
    await slack.wait_for("chat.postMessage")
    (notice,) = await slack.wait_for("chat.postEphemeral")
    assert notice.body["user"] == "UFLOOD" and "faster than I can check" in notice.body["text"]
    event = message_event(f"look <{link}>", "300.9", user="UCALM")
    assert await sender.send(event, event_id="EvCalm") == 200
    await slack.wait_for("chat.postMessage", count=2)
    await asyncio.sleep(1.0)
    threads = [c.body["thread_ts"] for c in slack.called("chat.postMessage")]
    assert threads == ["300.0", "300.9"] and len(slack.called("chat.postEphemeral")) == 1


async def test_replies_to_a_check_and_to_the_shortcut_can_be_dismissed(world) -> None:
    """Issue 13, bug 2: these replies carried a Dismiss button that did nothing."""
    slack, articles, sender = world
    link = articles.url("/a")
    assert await sender.command(f"check {link}", user="U7", response_url=slack.base + "/r/1") == 200
    (checked,) = await slack.wait_for("chat.postMessage")
    await sender.interaction(click("sourcecheck_dismiss", "dismiss", checked.response["ts"], "U7"))
    (deleted,) = await slack.wait_for("chat.delete")
    assert deleted.body["ts"] == checked.response["ts"]

    shortcut = message_shortcut(f"old news <{link}>", "910.1", slack.base + "/respond/9")
    assert await sender.interaction(shortcut) == 200
    _, answered = await slack.wait_for("chat.postMessage", 2)
    user = shortcut["user"]["id"]
    await sender.interaction(click("sourcecheck_dismiss", "dismiss", answered.response["ts"], user))
    _, deleted = await slack.wait_for("chat.delete", 2)
    assert deleted.body["ts"] == answered.response["ts"]


async def test_show_all_works_on_a_link_that_redirected(world) -> None:
    """Issue 13, bug 1: "Show all" said the report had expired for any redirected link."""
    slack, articles, sender = world
    articles.add_page("/long", LONG_PAGE, "text/html")

    async def shortened(request):
        return web.Response(status=302, headers={"Location": articles.url("/long")})

    articles.add_handler("/s/x1", shortened)
    await sender.send(message_event(f"<{articles.url('/s/x1')}>", "920.1", user="U1"))
    (post,) = await slack.wait_for("chat.postMessage")
    await sender.interaction(click("sourcecheck_show_all", "show_all", post.response["ts"], "U2"))
    (full,) = await slack.wait_for("chat.postEphemeral")
    assert "expired" not in full.body["text"]
    shown = [b for b in full.body["blocks"] if b["type"] == "section" and "“" in b["text"]["text"]]
    assert len(shown) > 10


async def as_admin(slack: FakeSlack, sender: EventSender, command: str) -> str:
    """Run `/sourcecheck <command>` as a workspace admin; what the bot answered."""
    slack.admins.add("UADMIN")
    before = len(slack.called("response_url"))
    respond = slack.base + "/respond/1"
    assert await sender.command(command, user="UADMIN", response_url=respond) == 200
    answers = await slack.wait_for("response_url", before + 1)
    return answers[-1].body["text"]


async def test_show_all_shows_the_channels_sensitivity(world) -> None:
    """Issue 13, bug 3: "Show all" read the cached report at the default sensitivity."""
    slack, articles, sender = world
    assert "high" in await as_admin(slack, sender, "sensitivity high")
    articles.add_page("/long", LONG_PAGE, "text/html")
    await sender.send(message_event(f"<{articles.url('/long')}>", "930.1", user="U1"))
    (post,) = await slack.wait_for("chat.postMessage")
    assert "sensitivity high" in json.dumps(post.body["blocks"])
    await sender.interaction(click("sourcecheck_show_all", "show_all", post.response["ts"], "U2"))
    (full,) = await slack.wait_for("chat.postEphemeral")
    assert "sensitivity high" in json.dumps(full.body["blocks"])


async def test_quiet_mode_reacts_to_what_it_read_and_replies_only_on_flags(world) -> None:
    """Issue 14: in quiet mode a link with nothing flagged gets an :eyes: reaction."""
    slack, articles, sender = world
    assert "quietly" in await as_admin(slack, sender, "mode quiet")
    await sender.send(message_event(f"<{articles.url('/missing')}>", "940.1", user="U1"))
    (reaction,) = await slack.wait_for("reactions.add")
    assert reaction.body["name"] == "eyes" and reaction.body["timestamp"] == "940.1"
    await sender.send(message_event(f"<{articles.url('/a')}>", "940.2", user="U1"))
    (post,) = await slack.wait_for("chat.postMessage")
    assert post.body["thread_ts"] == "940.2"


async def test_a_link_sent_to_the_bot_in_a_direct_message_is_answered(world) -> None:
    """Issue 14: the manifest subscribed to `message.im` without the Messages tab. The tab is
    on, and a direct message with a link is answered in its thread."""
    slack, articles, sender = world
    event = message_event(f"<{articles.url('/a')}>", "150.1", channel="D1", channel_type="im")
    assert await sender.send(event) == 200
    (post,) = await slack.wait_for("chat.postMessage")
    assert post.body["channel"] == "D1" and post.body["thread_ts"] == "150.1"
    manifests = [yaml.safe_load(path.read_text()) for path in MANIFESTS]
    for manifest in manifests:
        assert "https://YOUR-HOST/privacy" in manifest["display_information"]["long_description"]
        assert "message.im" in manifest["settings"]["event_subscriptions"]["bot_events"]
        assert manifest["features"]["app_home"]["messages_tab_enabled"] is True


def test_the_http_manifest_points_every_request_at_the_events_path() -> None:
    socket, http = [yaml.safe_load(path.read_text()) for path in MANIFESTS]
    assert socket["settings"]["socket_mode_enabled"] is True
    assert http["settings"]["socket_mode_enabled"] is False
    urls = [
        http["settings"]["event_subscriptions"]["request_url"],
        http["settings"]["interactivity"]["request_url"],
        http["features"]["slash_commands"][0]["url"],
    ]
    assert urls == ["https://YOUR-HOST" + EVENTS_PATH] * 3
    assert http["oauth_config"].pop("redirect_urls") == ["https://YOUR-HOST/slack/oauth_redirect"]
    for manifest in (socket, http):
        del manifest["settings"]["socket_mode_enabled"]
    socket["settings"]["event_subscriptions"]["request_url"] = urls[0]
    socket["settings"]["interactivity"]["request_url"] = urls[0]
    socket["features"]["slash_commands"][0]["url"] = urls[0]
    assert socket == http  # the same app otherwise: scopes, events, commands, shortcuts


async def test_uninstalling_the_app_deletes_the_workspaces_data(world, tmp_path: Path) -> None:
    """Issue 16: `app_uninstalled` deletes the workspace's settings, message and reply
    records and audit log (cached reports of public pages, shared by all, stay); a revoked
    user token alone changes nothing."""
    slack, articles, sender = world
    assert await sender.send(message_event(f"<{articles.url('/a')}>", "160.1")) == 200
    await slack.wait_for("chat.postMessage")
    store = Store.open(f"sqlite:///{tmp_path / 'bot.db'}")
    assert store.reply_to("slack", TEAM, "C1", "160.1") is not None
    store.set_opted_out("slack", TEAM, "U9", True)
    revoked_user = {"type": "tokens_revoked", "tokens": {"oauth": ["U9"]}}
    assert await sender.send(revoked_user) == 200
    await asyncio.sleep(0.5)
    assert store.policy("slack", TEAM, "C1", "U9").opted_out
    assert await sender.send({"type": "app_uninstalled"}) == 200
    for _ in range(100):
        if store.reply_to("slack", TEAM, "C1", "160.1") is None:
            break
        await asyncio.sleep(0.1)
    assert store.reply_to("slack", TEAM, "C1", "160.1") is None
    assert not store.policy("slack", TEAM, "C1", "U9").opted_out
    assert store.cached_report(articles.url("/a"), 3600) is not None


async def test_the_home_tab_shows_members_the_channels_and_moderators_more(world) -> None:
    """Issue 16: `app_home_opened` publishes the member's view (`views.publish`), within
    Block Kit's limits (the local Slack checks them)."""
    slack, articles, sender = world
    slack.admins.add("UADMIN")
    assert await sender.send(message_event(f"<{articles.url('/a')}>", "170.1")) == 200
    await slack.wait_for("chat.postMessage")
    for user in ("U5", "UADMIN"):
        opened = {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"}
        assert await sender.send(opened) == 200
    member, moderator = await slack.wait_for("views.publish", 2)
    assert member.response["ok"] and moderator.response["ok"]
    assert (member.body["user_id"], moderator.body["user_id"]) == ("U5", "UADMIN")
    member_view, moderator_view = (json.dumps(c.body["view"]) for c in (member, moderator))
    assert "Channels" in member_view and "Audit log" not in member_view
    assert "Audit log" in moderator_view and "1 (" in moderator_view  # today's bar: 1 link
