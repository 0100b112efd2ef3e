"""The Slack adapter on slack-bolt's AsyncApp: events in, Block Kit replies out.

All decisions are the core's; this module translates Slack's events, commands and button
clicks, posts replies in threads with unfurls off, paces posts per channel, and retries
Web API calls that Slack rate-limits (429 Retry-After) or fails (5xx).
"""

import asyncio
import logging
import time
from dataclasses import replace
from typing import Any

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_server import AsyncSlackAppServer
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from adapters.failures import PlatformUnavailable, reaching
from adapters.slack.events import PLATFORM, decode_text, incoming
from adapters.slack.render import ALL_FLAGS, DISMISS, SHOW_ALL, escape, home_view, reply_blocks
from adapters.slack.workspaces import INSTALL_PATH, REDIRECT_PATH, Workspaces
from bot import Bot, Incoming, Reply, ReplyKind, ReplyRecord, Settings, Status

# Bolt copies its base logger's level to every logger it makes; without a base of our own
# it copies the root's INFO, and logs whole request bodies (a badly signed one included).
BOLT_LOG = logging.getLogger("sourcecheck.slack_bolt")
# A channel the bot has not joined: a command's answer goes through its response URL instead.
TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
NOT_A_MEMBER = frozenset({"not_in_channel", "channel_not_found"})
BOLT_LOG.setLevel(logging.WARNING)
log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
REPLY_EVENT = "sourcecheck_reply"
READ_REACTION = "eyes"  # quiet mode: read, nothing flagged
RESUME_CONCURRENCY = 16

POST_INTERVAL = 1.0
MODERATOR_TTL = 300.0


class SlackAdapter:
    """Holds the AsyncApp and what the listeners share."""

    def __init__(self, bot: Bot, settings: Settings) -> None:
        self.bot = bot
        self.settings = settings
        self.workspaces: Workspaces | None = None
        if settings.slack_oauth:
            self.workspaces = Workspaces(settings, self._configured(AsyncWebClient()))
            self.app = AsyncApp(
                signing_secret=settings.slack_signing_secret or None,
                oauth_flow=self.workspaces.flow,
                installation_store=self.workspaces.installations,
                process_before_response=False,
                logger=BOLT_LOG,
            )
        else:
            # Bolt makes the client from the token (given a client too, it warns at every
            # start that the token, which it also reads from SLACK_BOT_TOKEN, goes unused).
            self.app = AsyncApp(
                token=settings.slack_bot_token,
                signing_secret=settings.slack_signing_secret or None,
                process_before_response=False,
                logger=BOLT_LOG,
            )
        self._configured(self.app.client)
        self.bot_user: str | None = None
        self._clients: dict[str, tuple[AsyncWebClient, str | None]] = {}
        self._connected = asyncio.Event()
        self._paces: dict[str, tuple[asyncio.Lock, list[float]]] = {}
        self._moderators: dict[str, tuple[bool, float]] = {}
        self._register()

    def _configured(self, client: AsyncWebClient) -> AsyncWebClient:
        """`client` pointed at SLACK_API_URL (or Slack), retrying 429s and 5xx."""
        client.base_url = self.settings.slack_api_url or AsyncWebClient.BASE_URL
        client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=5))
        client.retry_handlers.append(AsyncServerErrorRetryHandler(max_retry_count=6))
        return client

    async def _in(self, team: str) -> tuple[AsyncWebClient, str | None]:
        """The Web API client (with the workspace's bot token) and bot user for `team`. One
        workspace: the app's. Many: the installation's, its token refreshed when it expires
        soon. Raises SlackApiError `not_installed` for a workspace without the app."""
        if self.workspaces is None:
            return self.app.client, self.bot_user
        credentials = await self.workspaces.credentials(team)
        if credentials is None:
            raise SlackApiError("not installed", {"ok": False, "error": "not_installed"})
        client, bot_user = self._clients.get(team, (None, None))
        if client is None or client.token != credentials.token:
            client = self._configured(AsyncWebClient(token=credentials.token))
            bot_user = credentials.bot_user
            self._clients[team] = (client, bot_user)
        return client, bot_user

    def _poster(self, team: str) -> "_InWorkspace":
        """The posting protocol within one workspace."""
        return _InWorkspace(self, team)

    def _register(self) -> None:
        self.app.event("message")(self._on_message)
        self.app.event("app_mention")(self._on_mention)
        self.app.command("/sourcecheck")(self._on_command)
        self.app.action(SHOW_ALL)(self._on_show_all)
        self.app.action(DISMISS)(self._on_dismiss)
        self.app.shortcut("check_sources")(self._on_shortcut)
        self.app.event("app_home_opened")(self._on_home_opened)
        self.app.event("app_uninstalled")(self._on_uninstalled)
        self.app.event("tokens_revoked")(self._on_tokens_revoked)

    async def connect(self) -> None:
        """Learn our own user id (auth.test), so our messages are never answered. Raises
        PlatformUnavailable when Slack cannot be reached or refuses the token. Many
        workspaces: each installation knows its bot user; nothing to ask at start."""
        if self.workspaces is not None:
            log.info("slack.multi_workspace")
            return
        try:
            with reaching("the Slack API", self.app.client.base_url):
                identity = await self.app.client.auth_test()
        except SlackApiError as error:
            raise PlatformUnavailable(
                f"Slack refused the bot token ({error.response.get('error')}): "
                "check SLACK_BOT_TOKEN"
            ) from None
        self.bot_user = identity.get("user_id")

    async def _open_socket(self, handler: AsyncSocketModeHandler) -> None:
        """Open the Socket Mode connection; PlatformUnavailable if Slack refuses the app
        token or cannot be reached."""
        try:
            with reaching("Slack Socket Mode", self.app.client.base_url):
                await handler.connect_async()
        except SlackApiError as error:
            raise PlatformUnavailable(
                f"Slack refused the app token ({error.response.get('error')}): "
                "check SLACK_APP_TOKEN"
            ) from None

    def web_routes(self) -> list[web.RouteDef]:
        """On the bot's HTTP port: `/slack/events` in HTTP mode (none in Socket Mode), and
        with many workspaces the install page and OAuth redirect."""
        server = AsyncSlackAppServer(port=self.settings.port, path=EVENTS_PATH, app=self.app)
        routes = []
        if self.workspaces is not None:
            routes += [
                web.get(INSTALL_PATH, server.handle_get_requests),
                web.get(REDIRECT_PATH, server.handle_get_requests),
            ]
        if self.settings.slack_app_token:
            return routes

        async def events(request: web.Request) -> web.StreamResponse:
            """Refuse a request whose timestamp is not a number before Bolt reads it."""
            if not request.headers.get(TIMESTAMP_HEADER, "").isdigit():
                return web.Response(status=401, text="invalid request")
            return await server.handle_post_requests(request)

        return [*routes, web.post(EVENTS_PATH, events)]

    async def serve(self) -> None:
        """Run until cancelled: Socket Mode with an app token, else HTTP (`web_routes`).
        Cancelled, the Socket Mode connection is closed."""
        self.bot.health.set(PLATFORM, Status.CONNECTING)
        await self.connect()
        if not self.settings.slack_app_token:
            self.bot.health.set(PLATFORM, Status.CONNECTED)
            log.info("slack.http_mode", extra={"port": self.settings.port})
            await self._resume_and_wait()
            return
        handler = AsyncSocketModeHandler(
            self.app, self.settings.slack_app_token, web_client=self.app.client
        )
        try:
            await self._open_socket(handler)
            self.bot.health.set(PLATFORM, lambda: _socket_status(handler))
            log.info("slack.socket_mode")
            await self._resume_and_wait()
        finally:
            await handler.close_async()

    async def _resume_and_wait(self) -> None:
        """Answer what a crashed run left unanswered (16 at a time) before any new event,
        then, every so often, what a dead replica left."""
        gate = asyncio.Semaphore(RESUME_CONCURRENCY)

        async def respond(message: Incoming) -> None:
            async with gate:
                await self._respond(message)

        while True:
            unanswered = await self._unanswered()
            self._connected.set()
            await asyncio.gather(*map(respond, unanswered))
            if unanswered:
                log.info("slack.resumed", extra={"messages": len(unanswered)})
            await asyncio.sleep(self.bot.sweep_interval)

    # Events

    async def _on_message(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        await self._connected.wait()
        if event.get("subtype") == "message_deleted":
            await self._source_deleted(event, body)
            return
        await self._answer(event, body, mentioned=False)

    async def _on_home_opened(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        """A member opened the app's Home tab: publish their view of the workspace."""
        if event.get("tab", "home") != "home":
            return
        team, user = body.get("team_id") or "", event["user"]
        home = await self.bot.home(PLATFORM, team, await self._is_moderator(team, user))
        client, _ = await self._in(team)
        await client.views_publish(user_id=user, view=home_view(home))

    async def _on_uninstalled(self, body: dict[str, Any]) -> None:
        """The workspace uninstalled the app: forget everything kept about it, and its
        installation."""
        await self._workspace_removed(body["team_id"])

    async def _on_tokens_revoked(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        """The bot's token was revoked (user tokens alone change nothing here): as an
        uninstall."""
        if (event.get("tokens") or {}).get("bot"):
            await self._workspace_removed(body["team_id"])

    async def _workspace_removed(self, team: str) -> None:
        if self.workspaces is not None:
            await self.workspaces.forget(team)
            self._clients.pop(team, None)
        await self.bot.workspace_removed(PLATFORM, team)

    async def _on_mention(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        await self._connected.wait()
        await self._answer(event, body, mentioned=True)

    async def _answer(
        self, event: dict[str, Any], body: dict[str, Any], *, mentioned: bool
    ) -> None:
        team = body.get("team_id") or ""
        _, bot_user = await self._in(team)
        message = incoming(
            event,
            team=team,
            bot_user=bot_user,
            event_id=body.get("event_id"),
            mentioned=mentioned,
        )
        if message is not None:
            await self._respond(message)

    async def _respond(self, message: Incoming) -> None:
        await self.bot.answer(message, self._poster(message.workspace))

    async def _unanswered(self) -> list[Incoming]:
        """What a killed run acked but never answered. Where it had posted the reply and
        died before recording it, the reply is recorded now instead of posted again. The
        threads are looked at `RESUME_CONCURRENCY` at a time: new events wait for this."""
        held = await self.bot.unfinished(PLATFORM)
        gate = asyncio.Semaphore(RESUME_CONCURRENCY)

        async def posted(message: Incoming) -> str | None:
            async with gate:
                return await self._posted_reply(message)

        found = await asyncio.gather(*map(posted, held))
        unanswered = []
        for message, reply_ts in zip(held, found, strict=True):
            if reply_ts is None:
                unanswered.append(message)
            else:
                await self.bot.delivered(message, reply_ts)  # posted before the crash
        return unanswered

    async def _posted_reply(self, message: Incoming) -> str | None:
        """The ts of our reply to `message` in its thread, found by the reply's metadata."""
        try:
            client, bot_user = await self._in(message.workspace)
            thread = await client.conversations_replies(
                channel=message.channel, ts=message.reply_thread, include_all_metadata=True
            )
        except SlackApiError:
            return None
        for item in thread.get("messages") or []:
            source = ((item.get("metadata") or {}).get("event_payload") or {}).get("source")
            if item.get("user") == bot_user and source == message.message_id:
                return item.get("ts")
        return None

    async def post(self, message: Incoming, reply: Reply) -> str | None:
        """A reply to a message, in its workspace: in its thread (unfurls off, marked with
        the source in its metadata), an ephemeral for a private notice, or a 👀 reaction
        for a quiet channel's "read, nothing flagged"."""
        client, _ = await self._in(message.workspace)
        if reply.kind is ReplyKind.READ:
            await client.reactions_add(
                channel=message.channel, timestamp=message.message_id, name=READ_REACTION
            )
            return None
        text, blocks = reply_blocks(reply, buttons=not reply.ephemeral)
        if reply.ephemeral:
            await client.chat_postEphemeral(
                channel=message.channel,
                user=message.author,
                thread_ts=message.thread,
                text=text,
                blocks=blocks,
            )
            return None
        posted = await self._post_public(
            message.workspace,
            message.channel,
            text,
            blocks,
            thread_ts=message.reply_thread,
            metadata={"event_type": REPLY_EVENT, "event_payload": {"source": message.message_id}},
        )
        return posted.get("ts")

    async def delete(self, team: str, record: ReplyRecord) -> None:
        """Delete one of our replies in a workspace."""
        client, _ = await self._in(team)
        await client.chat_delete(channel=record.channel, ts=record.reply_id)

    async def _source_deleted(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        team = body.get("team_id") or ""
        await self.bot.source_deleted(
            PLATFORM, team, event["channel"], event.get("deleted_ts", ""), self._poster(team)
        )

    async def _post_public(
        self,
        team: str,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]] | None,
        **extra: Any,
    ) -> Any:
        """Post in a channel as the bot, paced, with link previews off: every public post
        goes through here."""
        client, _ = await self._in(team)
        await self._pace(channel)
        return await client.chat_postMessage(
            channel=channel,
            text=text,
            blocks=blocks,
            unfurl_links=False,
            unfurl_media=False,
            **extra,
        )

    async def _pace(self, channel: str) -> None:
        """About one post per second per channel; later posts wait their turn."""
        lock, last = self._paces.setdefault(channel, (asyncio.Lock(), [0.0]))
        async with lock:
            wait = last[0] + POST_INTERVAL - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            last[0] = time.monotonic()

    # Commands and interactivity

    async def _on_command(self, ack, command: dict[str, Any], respond) -> None:
        await ack()
        if not await self.bot.first_delivery(PLATFORM, command["team_id"], command["trigger_id"]):
            return
        message = await self._actor(
            command["team_id"], command["channel_id"], command["user_id"], command.get("text", "")
        )
        text = "/sourcecheck " + decode_text(message.text)
        await self.bot.answer_command(
            message, text, _CommandPoster(self, command["team_id"], respond)
        )

    async def _on_shortcut(self, ack, shortcut: dict[str, Any]) -> None:
        await ack()
        team = (shortcut.get("team") or {}).get("id", "")
        if not await self.bot.first_delivery(PLATFORM, team, shortcut.get("trigger_id", "")):
            return
        source = shortcut.get("message") or {}
        channel = (shortcut.get("channel") or {}).get("id", "")
        text = decode_text(source.get("text", ""))
        message = await self._actor(team, channel, shortcut["user"]["id"], text)
        asked = replace(message, thread=source.get("thread_ts") or source.get("ts"))
        await self.bot.answer_command(
            asked, "/sourcecheck check " + message.text, self._poster(team)
        )

    async def _on_show_all(self, ack, body: dict[str, Any]) -> None:
        await ack()
        channel = body["channel"]["id"]
        team = (body.get("team") or {}).get("id", "")
        record = await self.bot.reply_record(
            PLATFORM, team, [channel], body["container"]["message_ts"]
        )
        full = await self.bot.full_reply(record)
        text, blocks = "That report has expired. `/sourcecheck check <link>` makes a new one.", None
        if full is not None:
            text, blocks = reply_blocks(full, flags_shown=ALL_FLAGS, buttons=False)
        client, _ = await self._in(team)
        await client.chat_postEphemeral(
            channel=channel, user=body["user"]["id"], text=text, blocks=blocks
        )

    async def _on_dismiss(self, ack, body: dict[str, Any]) -> None:
        await ack()
        channel = body["channel"]["id"]
        reply_ts = body["container"]["message_ts"]
        team = (body.get("team") or {}).get("id", "")
        actor = await self._actor(team, channel, body["user"]["id"], "")
        record = await self.bot.reply_record(PLATFORM, team, [channel], reply_ts)
        dismissed, text = await self.bot.dismiss(actor, record, self._poster(team))
        if not dismissed:
            client, _ = await self._in(team)
            await client.chat_postEphemeral(channel=channel, user=actor.author, text=escape(text))

    async def _actor(self, team: str, channel: str, user: str, text: str) -> Incoming:
        return Incoming(
            platform=PLATFORM,
            workspace=team,
            channel=channel,
            message_id=f"command:{time.time_ns()}",
            author=user,
            text=text,
            is_moderator=await self._is_moderator(team, user),
        )

    async def _is_moderator(self, team: str, user: str) -> bool:
        """Workspace admins and owners (users.info), and SOURCECHECK_SLACK_MODERATORS."""
        if user in self.settings.slack_moderators:
            return True
        known = self._moderators.get(f"{team}:{user}")
        if known and known[1] > time.monotonic():
            return known[0]
        try:
            client, _ = await self._in(team)
            info = (await client.users_info(user=user)).get("user") or {}
        except Exception:
            log.warning("slack.users_info_failed")
            return False
        allowed = bool(info.get("is_admin") or info.get("is_owner"))
        self._moderators[f"{team}:{user}"] = (allowed, time.monotonic() + MODERATOR_TTL)
        return allowed


def _socket_status(handler: AsyncSocketModeHandler) -> Status:
    connected = handler.client.is_connected()
    return Status.CONNECTED if connected else Status.DISCONNECTED


class _InWorkspace:
    """The posting protocol within one workspace (its token): replies to its messages, and
    deleting them."""

    def __init__(self, adapter: SlackAdapter, team: str) -> None:
        self.adapter = adapter
        self.team = team

    async def post(self, message: Incoming, reply: Reply) -> str | None:
        """Post the reply to `message`; its ts when it went into the channel."""
        return await self.adapter.post(message, reply)

    async def delete(self, record: ReplyRecord) -> None:
        """Delete one of our replies."""
        await self.adapter.delete(self.team, record)


class _CommandPoster(_InWorkspace):
    """The posting protocol for `/sourcecheck`: an analysis in the channel (through the
    command's response URL where the bot is not a member), the rest to the asker alone."""

    def __init__(self, adapter: SlackAdapter, team: str, respond) -> None:
        super().__init__(adapter, team)
        self.respond = respond

    async def post(self, message: Incoming, reply: Reply) -> str | None:
        """Post the command's reply; its ts when it went into the channel as the bot."""
        if reply.kind not in (ReplyKind.ANALYSIS, ReplyKind.ERROR):
            await self.respond(text=escape(reply.text), response_type="ephemeral")
            return None
        if reply.ephemeral:
            text, blocks = reply_blocks(reply, buttons=False)
            await self.respond(text=text, blocks=blocks, response_type="ephemeral")
            return None
        text, blocks = reply_blocks(reply)
        try:
            posted = await self.adapter._post_public(self.team, message.channel, text, blocks)
        except SlackApiError as error:
            if error.response.get("error") not in NOT_A_MEMBER:
                raise
            await self.respond(text=text, blocks=blocks, response_type="in_channel")
            return None
        return posted["ts"]
