"""The bot's HTTP port: `/healthz`, `/metrics`, and the routes adapters add (Slack's events)."""

import asyncio
import logging

from aiohttp import web
from prometheus_client import REGISTRY
from prometheus_client.exposition import choose_encoder

from bot import Health, Settings

log = logging.getLogger(__name__)


def status_app(health: Health, routes: list[web.RouteDef]) -> web.Application:
    """The application: adapters' routes plus health and metrics."""

    async def healthz(request: web.Request) -> web.Response:
        state = health.to_json()
        return web.json_response(state, status=200 if state["ok"] else 503)

    async def metrics(request: web.Request) -> web.Response:
        encode, content_type = choose_encoder(request.headers.get("Accept", ""))
        response = web.Response(body=encode(REGISTRY))
        response.headers["Content-Type"] = content_type
        return response

    application = web.Application()
    application.add_routes([*routes, web.get("/healthz", healthz), web.get("/metrics", metrics)])
    return application


async def serve_http(settings: Settings, health: Health, routes: list[web.RouteDef]) -> None:
    """Serve on SOURCECHECK_HOST:SOURCECHECK_PORT until cancelled."""
    runner = web.AppRunner(status_app(health, routes), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host=settings.host, port=settings.port).start()
    log.info("http.listening", extra={"port": settings.port})
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
