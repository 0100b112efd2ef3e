"""The bot's HTTP port: `/healthz`, `/metrics`, `/privacy` (the privacy statement, for the
Slack listing and anyone who asks), and the routes adapters add (Slack's events)."""

import asyncio
import logging

from aiohttp import web
from prometheus_client import REGISTRY
from prometheus_client.exposition import choose_encoder

from bot import Health, Settings
from bot.privacy import privacy_text

log = logging.getLogger(__name__)


def status_app(health: Health, routes: list[web.RouteDef], privacy: str = "") -> web.Application:
    """The application: adapters' routes plus health, metrics and the privacy statement."""

    async def healthz(request: web.Request) -> web.Response:
        state = health.to_json()
        return web.json_response(state, status=200 if state["ok"] else 503)

    async def metrics(request: web.Request) -> web.Response:
        encode, content_type = choose_encoder(request.headers.get("Accept", ""))
        response = web.Response(body=encode(REGISTRY))
        response.headers["Content-Type"] = content_type
        return response

    async def privacy_page(request: web.Request) -> web.Response:
        return web.Response(text=privacy, content_type="text/plain", charset="utf-8")

    application = web.Application()
    application.add_routes(
        [
            *routes,
            web.get("/healthz", healthz),
            web.get("/metrics", metrics),
            web.get("/privacy", privacy_page),
        ]
    )
    return application


async def serve_http(settings: Settings, health: Health, routes: list[web.RouteDef]) -> None:
    """Serve on SOURCECHECK_HOST:SOURCECHECK_PORT until cancelled."""
    runner = web.AppRunner(status_app(health, routes, privacy_text(settings)), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host=settings.host, port=settings.port).start()
    log.info("http.listening", extra={"port": settings.port})
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
