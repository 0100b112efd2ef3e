"""A local Discord for tests: REST API and gateway on 127.0.0.1, written from Discord's docs.

REST at `/api/v10/...`, gateway at `/gateway` (HELLO, IDENTIFY, READY, GUILD_CREATE,
heartbeats, dispatches). Threads get the id of their message, and a second thread on one
message fails with 160004; channels can be set to refuse threads (50013); embeds beyond
Discord's limits get 400 (50035); faults (429 with Retry-After and Via) can be scripted.
Every request is recorded. Faults are keyed by method and the path's last segment
("POST messages", "POST threads").
"""

import asyncio
import itertools
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from aiohttp import WSMsgType, web

APP_ID = "900000000000000001"
BOT_ID = "900000000000000002"
GUILD = "800000000000000001"
CHANNEL = "800000000000000010"
NO_THREADS = "800000000000000011"
THREAD = "800000000000000012"
NOW = "2026-11-01T00:00:00.000000+00:00"
BOT_USER = {
    "id": BOT_ID,
    "username": "sourcecheck",
    "discriminator": "0",
    "global_name": None,
    "avatar": None,
    "bot": True,
    "flags": 0,
}


COMMAND_DEFAULTS = {
    "description": "",
    "options": [],
    "default_member_permissions": None,
    "nsfw": False,
}


@dataclass
class Call:
    """One recorded REST request."""

    method: str
    path: str
    body: Any
    at: float = field(default_factory=time.monotonic)
    response: Any = None


def user(user_id: str, name: str) -> dict[str, Any]:
    """A user object."""
    return {
        "id": user_id,
        "username": name,
        "discriminator": "0",
        "global_name": name,
        "avatar": None,
        "bot": False,
        "flags": 0,
    }


def embed_error(embeds: list[dict[str, Any]]) -> str | None:
    """Why Discord would refuse these embeds, or None."""
    total = 0
    if len(embeds) > 10:
        return "too many embeds"
    for embed in embeds:
        fields = embed.get("fields") or []
        sizes = {
            "title": (len(embed.get("title") or ""), 256),
            "description": (len(embed.get("description") or ""), 4096),
            "fields": (len(fields), 25),
            "footer": (len((embed.get("footer") or {}).get("text") or ""), 2048),
        }
        for name, (size, limit) in sizes.items():
            if size > limit:
                return f"embed {name} too long"
        for item in fields:
            if len(item.get("name") or "") > 256 or len(item.get("value") or "") > 1024:
                return "embed field too long"
        total += sum(len(item.get("name") or "") + len(item.get("value") or "") for item in fields)
        total += sizes["title"][0] + sizes["description"][0] + sizes["footer"][0]
    return "embeds over 6000 characters" if total > 6000 else None


class FakeDiscord:
    """REST and gateway; `dispatch()` sends an event to every connected shard."""

    def __init__(self, shards: int = 1) -> None:
        self.calls: list[Call] = []
        self.faults: dict[str, list[tuple[int, dict[str, str], Any]]] = defaultdict(list)
        self.identified: list[dict[str, Any]] = []
        self.sockets: list[web.WebSocketResponse] = []
        self.ready = asyncio.Event()
        self.shards = shards
        self._ids = itertools.count(1)
        self._threads: set[str] = set()
        self.messages: dict[str, list[dict[str, Any]]] = defaultdict(list)  # by channel
        self._seq = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.base = ""

    async def __aenter__(self) -> "FakeDiscord":
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.base = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        for socket in self.sockets:
            await socket.close()
        assert self._runner is not None
        await self._runner.cleanup()

    @property
    def gateway_url(self) -> str:
        return self.base.replace("http", "ws") + "/gateway"

    def snowflake(self) -> str:
        return str(700000000000000000 + next(self._ids))

    def called(self, method: str, prefix: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.path.startswith(prefix)]

    async def wait_for(self, method: str, prefix: str, count: int = 1, timeout: float = 90):
        deadline = time.monotonic() + timeout
        while len(self.called(method, prefix)) < count:
            if time.monotonic() > deadline:
                got = [(c.method, c.path) for c in self.calls]
                raise AssertionError(
                    f"{method} {prefix}: {len(self.called(method, prefix))}; {got}"
                )
            await asyncio.sleep(0.05)
        return self.called(method, prefix)

    # Gateway

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self.sockets.append(socket)
        await socket.send_json({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None})
        async for message in socket:
            if message.type != WSMsgType.TEXT:
                continue
            payload = json.loads(message.data)
            if payload["op"] == 1:
                await socket.send_json({"op": 11, "d": None, "s": None, "t": None})
            elif payload["op"] == 2:
                self.identified.append(payload["d"])
                if payload["d"].get("token") == "bad-token":
                    await socket.close(code=4004, message=b"Authentication failed.")
                    break
                await self._ready(socket, payload["d"].get("shard") or [0, 1])
        return socket

    async def _ready(self, socket: web.WebSocketResponse, shard: list[int]) -> None:
        ready = {
            "v": 10,
            "user": BOT_USER,
            "guilds": [{"id": GUILD, "unavailable": True}],
            "session_id": f"session-{shard[0]}",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": APP_ID, "flags": 0},
            "shard": shard,
        }
        await self._send(socket, "READY", ready)
        if shard[0] == 0:
            await self._send(socket, "GUILD_CREATE", guild())
        self.ready.set()

    async def _send(self, socket: web.WebSocketResponse, event: str, data: Any) -> None:
        await socket.send_json({"op": 0, "t": event, "s": next(self._seq), "d": data})

    async def dispatch(self, event: str, data: Any) -> None:
        """Send a dispatch to the shard that holds the guild (the first still connected)."""
        if event == "MESSAGE_CREATE":
            self.messages[data["channel_id"]].append(data)
        shard_zero = next(socket for socket in self.sockets if not socket.closed)
        await self._send(shard_zero, event, data)

    def open_thread(self, message_id: str) -> None:
        """A member opens a thread on a message (its id is the message's)."""
        self._threads.add(message_id)

    # REST

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["path"]
        raw = await request.read()
        body = json.loads(raw) if raw and request.content_type == "application/json" else None
        if request.content_type.startswith("multipart"):
            body = {"multipart": True}
        call = Call(request.method, path, body)
        self.calls.append(call)
        key = f"{request.method} {path.rstrip('/').split('/')[-1]}"
        if self.faults[key]:
            status, headers, payload = self.faults[key].pop(0)
            call.response = payload
            return _json(payload, status, headers)
        status, payload = self._answer(request.method, path, body or {})
        call.response = payload
        if status == 204:
            return web.Response(status=204)
        return _json(payload, status)

    def _answer(self, method: str, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        parts = path.strip("/").split("/")
        if path == "/users/@me":
            return 200, BOT_USER
        if path == "/oauth2/applications/@me":
            return 200, {
                "id": APP_ID,
                "name": "sourcecheck",
                "icon": None,
                "description": "",
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": user("1", "owner"),
                "verify_key": "k",
                "flags": 0,
            }
        if path == "/gateway/bot":
            return 200, {
                "url": self.gateway_url,
                "shards": self.shards,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        if parts[0] == "applications" and parts[-1] == "commands" and method == "PUT":
            return 200, [
                {
                    **COMMAND_DEFAULTS,
                    **c,
                    "id": self.snowflake(),
                    "application_id": APP_ID,
                    "version": "1",
                }
                for c in body
            ]
        if parts[0] == "channels" and parts[-1] == "threads" and method == "POST":
            return self._thread(parts[1], parts[3], body)
        if parts[0] == "channels" and parts[-1] == "messages" and method == "POST":
            return self._message(parts[1], body)
        if parts[0] == "channels" and "reactions" in parts and method == "PUT":
            self._react(parts[1], parts[3], unquote(parts[5]))
            return 204, None
        if parts[0] == "channels" and method == "DELETE":
            return 204, None
        if parts[0] == "channels" and method == "GET":
            return self._read(parts[1:])
        if parts[0] == "interactions":
            return 200, {
                "interaction": {"id": parts[1], "type": 2, "response_message_loading": True},
                "resource": {"type": body.get("type", 5)},
            }
        if parts[0] == "webhooks" and method == "POST":
            return self._message(CHANNEL, body)
        return 200, {}

    def _read(self, parts: list[str]) -> tuple[int, Any]:
        """GET a channel or thread, its history (newest first), or one message."""
        channel = parts[0]
        if len(parts) == 1:
            if channel in self._threads:
                return 200, thread(channel, CHANNEL, "thread")
            return 404, {"code": 10003, "message": "Unknown Channel"}
        history = self.messages.get(channel, [])
        if len(parts) == 2:
            return 200, history[::-1]
        found = [m for m in history if m["id"] == parts[2]]
        return (200, found[0]) if found else (404, {"code": 10008, "message": "Unknown Message"})

    def _thread(self, channel: str, message: str, body: dict[str, Any]) -> tuple[int, Any]:
        if channel == NO_THREADS:
            return 403, {"code": 50013, "message": "Missing Permissions"}
        if message in self._threads:
            return 400, {
                "code": 160004,
                "message": "A thread has already been created for this message",
            }
        self._threads.add(message)
        return 201, thread(message, channel, body.get("name", "thread"))

    def _react(self, channel: str, message_id: str, emoji: str) -> None:
        """The bot (`me`) reacted to a message: the message shows it, as Discord's does."""
        for message in self.messages.get(channel, []):
            if message["id"] == message_id:
                reaction = {"emoji": {"id": None, "name": emoji}, "count": 1, "me": True}
                message.setdefault("reactions", []).append(reaction)

    def _message(self, channel: str, body: dict[str, Any]) -> tuple[int, Any]:
        error = embed_error(body.get("embeds") or [])
        if error:
            return 400, {"code": 50035, "message": "Invalid Form Body", "errors": {"embeds": error}}
        posted = message_payload(
            self.snowflake(),
            channel,
            BOT_USER,
            body.get("content") or "",
            embeds=body.get("embeds") or [],
            components=body.get("components") or [],
            reference=body.get("message_reference"),
        )
        self.messages[channel].append(posted)
        return 200, posted


def _json(payload: Any, status: int, headers: dict[str, str] | None = None) -> web.Response:
    """JSON with Discord's exact content type (discord.py compares it verbatim)."""
    head = {"Content-Type": "application/json", **(headers or {})}
    return web.Response(body=json.dumps(payload).encode(), status=status, headers=head)


def thread(thread_id: str, parent: str, name: str) -> dict[str, Any]:
    """A public thread channel object."""
    return {
        "id": thread_id,
        "type": 11,
        "guild_id": GUILD,
        "parent_id": parent,
        "name": name,
        "owner_id": BOT_ID,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "flags": 0,
        "message_count": 0,
        "member_count": 1,
        "total_message_sent": 0,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 1440,
            "archive_timestamp": NOW,
            "locked": False,
        },
    }


def guild() -> dict[str, Any]:
    """The one guild: a text channel, one that refuses threads, and a thread."""

    def text_channel(channel_id: str, name: str, position: int) -> dict[str, Any]:
        return {
            "id": channel_id,
            "type": 0,
            "guild_id": GUILD,
            "name": name,
            "position": position,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
        }

    return {
        "id": GUILD,
        "name": "Test guild",
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "owner_id": "1",
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "features": [],
        "mfa_level": 0,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "vanity_url_code": None,
        "description": None,
        "banner": None,
        "premium_tier": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": None,
        "nsfw_level": 0,
        "premium_progress_bar_enabled": False,
        "large": False,
        "member_count": 3,
        "unavailable": False,
        "joined_at": NOW,
        "roles": [
            {
                "id": GUILD,
                "name": "@everyone",
                "permissions": "68608",
                "position": 0,
                "color": 0,
                "hoist": False,
                "managed": False,
                "mentionable": False,
                "flags": 0,
            }
        ],
        "emojis": [],
        "stickers": [],
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "members": [
            {
                "user": BOT_USER,
                "roles": [],
                "joined_at": NOW,
                "deaf": False,
                "mute": False,
                "flags": 0,
            }
        ],
        "channels": [text_channel(CHANNEL, "general", 0), text_channel(NO_THREADS, "locked", 1)],
        "threads": [thread(THREAD, CHANNEL, "an existing thread")],
    }


def message_payload(
    message_id: str, channel: str, author: dict[str, Any], content: str, **extra: Any
) -> dict[str, Any]:
    """A message object as REST returns it and MESSAGE_CREATE carries it."""
    data = {
        "id": message_id,
        "channel_id": channel,
        "guild_id": GUILD,
        "author": author,
        "content": content,
        "timestamp": NOW,
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": extra.get("embeds", []),
        "pinned": False,
        "type": 0,
        "flags": 0,
        "components": extra.get("components", []),
    }
    if not author.get("bot"):
        data["member"] = {"roles": [], "joined_at": NOW, "deaf": False, "mute": False, "flags": 0}
    if extra.get("reference"):
        data["message_reference"] = extra["reference"]
    return data


def slash(
    interaction_id: str,
    options: list[dict[str, Any]],
    *,
    permissions: str,
    channel: str = CHANNEL,
    member: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An INTERACTION_CREATE for `/sourcecheck <sub> ...`."""
    return interaction(
        interaction_id,
        {"id": "1", "name": "sourcecheck", "type": 1, "options": options},
        permissions=permissions,
        channel=channel,
        member=member,
    )


def interaction(
    interaction_id: str,
    data: dict[str, Any],
    *,
    permissions: str,
    channel: str = CHANNEL,
    member: dict[str, Any] | None = None,
    kind: int = 2,
    message: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An INTERACTION_CREATE payload."""
    member = member or user("42", "member")
    payload = {
        "id": interaction_id,
        "application_id": APP_ID,
        "type": kind,
        "data": data,
        "guild_id": GUILD,
        "channel_id": channel,
        "channel": {
            "id": channel,
            "type": 0,
            "guild_id": GUILD,
            "name": "general",
            "permissions": permissions,
        },
        "member": {
            "user": member,
            "roles": [],
            "joined_at": NOW,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "permissions": permissions,
        },
        "token": f"token-{interaction_id}",
        "version": 1,
        "app_permissions": "2147483647",
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "attachment_size_limit": 10485760,
        "authorizing_integration_owners": {"0": GUILD},
        "context": 0,
    }
    if message is not None:
        payload["message"] = message
    return payload
