"""A local Slack for tests: Web API, Socket Mode WebSocket, and a signing event sender.

Written from Slack's public API documentation; no code from Slack's SDKs. Every Web API
call is recorded with its headers and body; Block Kit limits are checked as Slack checks
them; faults can be scripted per method, or drawn at random for a share of all calls
(`fault_rate`: 429 with Retry-After 1, or 500, from a seeded generator). Posted messages
are kept per thread, with their metadata, for `conversations.replies`.
"""

import asyncio
import hashlib
import hmac
import itertools
import json
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from aiohttp import ClientSession, ClientTimeout, web

BOT_USER = "UBOT"
FORM = "application/x-www-form-urlencoded"
TEAM = "T1"


RANDOM_FAULTS = [
    (429, {"Retry-After": "1"}, {"ok": False, "error": "ratelimited"}),
    (500, {}, {"ok": False, "error": "internal_error"}),
]


@dataclass
class Call:
    """One recorded Web API request."""

    method: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    response: dict[str, Any] = field(default_factory=dict)


class FakeSlack:
    """The Web API at `/api/<method>` and Socket Mode at `/socket`, on 127.0.0.1:0."""

    def __init__(self, fault_rate: float = 0.0, seed: int = 7) -> None:
        self.calls: list[Call] = []
        self.fault_rate = fault_rate
        self._random = random.Random(seed)
        self.threads: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        self.faults: dict[str, list[tuple[int, dict[str, str], dict[str, Any]]]] = defaultdict(list)
        self.admins: set[str] = set()
        self.acks: list[dict[str, Any]] = []
        self.envelopes: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.connected = asyncio.Event()
        self._ts = itertools.count(1)
        self.codes: dict[str, tuple[str, bool, bool]] = {}  # code -> team, rotates, org-wide
        self.tokens: dict[str, str] = {}  # bot token -> team
        self._refresh: dict[str, str] = {}  # refresh token -> team
        self._runner: web.AppRunner | None = None
        self.base = ""

    async def __aenter__(self) -> "FakeSlack":
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/respond/{id}", self._respond)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.base = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    def http_mode(self, port: int, secret: str) -> dict[str, str]:
        """The bot's settings for HTTP mode against this Slack, listening on `port`."""
        return {
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": secret,
            "SLACK_API_URL": self.base + "/api/",
            "SOURCECHECK_PORT": str(port),
        }

    def called(self, method: str) -> list[Call]:
        """The recorded calls of one method."""
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 90) -> list[Call]:
        """Wait until `method` was called `count` times; the calls."""
        deadline = time.monotonic() + timeout
        while len(self.called(method)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{method} called {len(self.called(method))} times")
            await asyncio.sleep(0.05)
        return self.called(method)

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        raw = await request.text()
        if request.content_type == "application/json":
            body = json.loads(raw or "{}")
        else:
            body = dict(request.query) | dict(parse_qsl(raw))
        call = Call(method, dict(request.headers), body)
        self.calls.append(call)
        if self.faults[method]:
            status, headers, call.response = self.faults[method].pop(0)
            return web.json_response(call.response, status=status, headers=headers)
        if self._random.random() < self.fault_rate:
            status, headers, call.response = self._random.choice(RANDOM_FAULTS)
            return web.json_response(call.response, status=status, headers=headers)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        call.response = self._answer(method, body, token)
        return web.json_response(call.response)

    def install_code(self, team: str, *, rotating: bool = False, org_wide: bool = False) -> str:
        """An OAuth code, as Slack gives a browser that approved the app for `team` (with a
        bot token that expires within the hour when `rotating`; for a whole Enterprise Grid
        organisation when `org_wide`)."""
        code = f"code-{team}-{len(self.codes)}"
        self.codes[code] = (team, rotating, org_wide)
        return code

    def _oauth(self, body: dict[str, Any]) -> dict[str, Any]:
        """`oauth.v2.access`: a code (once only) or a refresh token for a bot token."""
        if body.get("grant_type") == "refresh_token":
            team = self._refresh.pop(body.get("refresh_token", ""), None)
            if team is None:
                return {"ok": False, "error": "invalid_refresh_token"}
            return self._granted(team, rotating=True)
        found = self.codes.pop(body.get("code", ""), None)
        if found is None:
            return {"ok": False, "error": "invalid_code"}
        team, rotating, org_wide = found
        granted = self._granted(team, rotating=rotating)
        if org_wide:
            granted |= {"enterprise": {"id": "E1", "name": "Org"}, "is_enterprise_install": True}
        return granted

    def _granted(self, team: str, *, rotating: bool) -> dict[str, Any]:
        token = f"xoxb-{team}-{len(self.tokens) + 1}"
        self.tokens[token] = team
        granted = {
            "ok": True,
            "app_id": "A1",
            "authed_user": {"id": f"UINSTALLER{team}"},
            "scope": "chat:write,commands",
            "token_type": "bot",
            "access_token": token,
            "bot_user_id": f"UBOT{team}",
            "team": {"id": team, "name": f"Team {team}"},
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if rotating:
            refresh = f"xoxe-1-{team}-{len(self.tokens)}"
            self._refresh[refresh] = team
            granted |= {"refresh_token": refresh, "expires_in": 3600}
        return granted

    def _answer(self, method: str, body: dict[str, Any], token: str = "") -> dict[str, Any]:
        if method == "oauth.v2.access":
            return self._oauth(body)
        if method == "auth.test":
            if token in self.tokens:
                team = self.tokens[token]
                return {"ok": True, "user_id": f"UBOT{team}", "team_id": team, "bot_id": "B1"}
            return {"ok": True, "user_id": BOT_USER, "team_id": TEAM, "bot_id": "BBOT"}
        if method == "chat.postMessage":
            error = block_kit_error(body)
            if error:
                return {"ok": False, "error": error}
            ts = f"{next(self._ts)}.000"
            channel = body.get("channel", "")
            posted = {"ts": ts, "user": BOT_USER, "text": body.get("text", "")}
            if body.get("metadata"):
                posted["metadata"] = body["metadata"]
            self.threads[(channel, body.get("thread_ts") or ts)].append(posted)
            return {"ok": True, "channel": channel, "ts": ts}
        if method == "conversations.replies":
            thread = self.threads.get((body.get("channel", ""), body.get("ts", "")), [])
            wanted = str(body.get("include_all_metadata", "")).lower() in ("1", "true")
            shown = [
                m if wanted else {k: v for k, v in m.items() if k != "metadata"} for m in thread
            ]
            return {"ok": True, "messages": shown, "has_more": False}
        if method == "views.publish":
            view = body.get("view") or {}
            view = json.loads(view) if isinstance(view, str) else view
            if not body.get("user_id") or view.get("type") != "home":
                return {"ok": False, "error": "invalid_arguments"}
            blocks = view.get("blocks") or []
            if len(blocks) > 100 or any(map(_block_error, blocks)):
                return {"ok": False, "error": "invalid_blocks"}
            return {"ok": True, "view": {"id": "V1", **view}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"{next(self._ts)}.000"}
        if method == "reactions.add":
            if not all(body.get(k) for k in ("channel", "timestamp", "name")):
                return {"ok": False, "error": "invalid_arguments"}
            return {"ok": True}
        if method == "users.info":
            user = body.get("user", "")
            admin = user in self.admins
            return {"ok": True, "user": {"id": user, "is_admin": admin, "is_owner": False}}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.base.replace("http", "ws") + "/socket"}
        return {"ok": True}

    async def _respond(self, request: web.Request) -> web.Response:
        """A `response_url`: what a slash command answered."""
        self.calls.append(Call("response_url", dict(request.headers), await request.json()))
        return web.json_response({"ok": True})

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_json({"type": "hello", "num_connections": 1})
        self.connected.set()

        async def send() -> None:
            while True:
                await socket.send_json(await self.envelopes.get())

        sender = asyncio.create_task(send())
        try:
            async for message in socket:
                self.acks.append(json.loads(message.data))
        finally:
            sender.cancel()
        return socket


def block_kit_error(body: dict[str, Any]) -> str | None:
    """Slack's answer to blocks or text beyond its limits, or None."""
    if len(body.get("text") or "") > 40_000:
        return "msg_too_long"
    blocks = body.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    if len(blocks) > 50:
        return "invalid_blocks"
    return next(filter(None, map(_block_error, blocks)), None)


def _block_error(block: dict[str, Any]) -> str | None:
    """Slack's limits for the block types the bot sends."""
    text = (block.get("text") or {}).get("text", "")
    elements = block.get("elements") or []
    kind = block.get("type")
    fits = {
        "header": lambda: 0 < len(text) <= 150,
        "section": lambda: 0 < len(text) <= 3000,
        "context": lambda: (
            0 < len(elements) <= 10 and all(0 < len(e.get("text", "")) <= 3000 for e in elements)
        ),
        "actions": lambda: (
            0 < len(elements) <= 25
            and all(
                0 < len(e["text"]["text"]) <= 75 and 0 < len(e.get("value", "-")) <= 2000
                for e in elements
            )
        ),
    }
    return None if kind in fits and fits[kind]() else "invalid_blocks"


def signed_headers(body: str, secret: str, timestamp: int) -> dict[str, str]:
    """The headers Slack signs an HTTP request with."""
    base = f"v0:{timestamp}:{body}".encode()
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": "application/json",
    }


class EventSender:
    """Sends Events API callbacks to the bot, signed, with an injectable clock."""

    def __init__(self, url: str, secret: str, clock=time.time) -> None:
        self.url = url
        self.secret = secret
        self.clock = clock
        self._ids = itertools.count(1)

    async def send(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry: int = 0,
        secret: str | None = None,
        timestamp: int | None = None,
        timeout: float | None = None,
        team: str = TEAM,
    ) -> int:
        """POST one event callback; the HTTP status (TimeoutError past `timeout` seconds)."""
        payload = {
            "token": "unused",
            "team_id": team,
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._ids)}",
            "event_time": int(self.clock()),
            "event": event,
        }
        headers = {}
        if retry:
            headers["X-Slack-Retry-Num"] = str(retry)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        return await self.post(
            json.dumps(payload),
            "application/json",
            headers,
            secret=secret,
            timestamp=timestamp,
            timeout=timeout,
        )

    async def post(
        self,
        body: str,
        content_type: str,
        extra: dict[str, str] | None = None,
        *,
        secret: str | None = None,
        timestamp: int | None = None,
        timeout: float | None = None,
    ) -> int:
        """POST a signed body to the bot; the HTTP status."""
        headers = signed_headers(body, secret or self.secret, timestamp or int(self.clock()))
        headers["Content-Type"] = content_type
        headers.update(extra or {})
        async with (
            ClientSession(timeout=ClientTimeout(total=timeout)) as session,
            session.post(self.url, data=body, headers=headers) as response,
        ):
            return response.status

    async def command(
        self, text: str, *, user: str, response_url: str, trigger_id: str | None = None
    ) -> int:
        """A `/sourcecheck` slash command, form-encoded as Slack sends it (a new trigger id
        each time, unless one is given: a replay)."""
        form = {
            "token": "unused",
            "team_id": TEAM,
            "channel_id": "C1",
            "user_id": user,
            "command": "/sourcecheck",
            "text": text,
            "response_url": response_url,
            "trigger_id": trigger_id or f"trig{next(self._ids)}",
            "api_app_id": "A1",
        }
        return await self.post(urlencode(form), FORM)

    async def interaction(self, payload: dict[str, Any]) -> int:
        """A button click or shortcut: `payload=<json>`, form-encoded."""
        base = {
            "team": {"id": TEAM},
            "api_app_id": "A1",
            "token": "unused",
            "trigger_id": f"t{next(self._ids)}",
        }
        return await self.post(urlencode({"payload": json.dumps(base | payload)}), FORM)


def message_event(text: str, ts: str, *, user: str = "U1", channel: str = "C1", **extra) -> dict:
    """A channel `message` event as Slack sends it."""
    return {
        "type": "message",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "channel_type": "channel",
        **extra,
    }
