"""Which workspaces the Slack adapter serves, and with which token.

One workspace: `SLACK_BOT_TOKEN`, as before. Many: `SLACK_CLIENT_ID` and
`SLACK_CLIENT_SECRET` turn on Bolt's OAuth flow ("Add to Slack" at `/slack/install`, Slack
comes back to `/slack/oauth_redirect`), and each workspace's installation is kept by
slack_sdk's SQLAlchemy installation store in the bot's own database (its tables,
`slack_installations` and `slack_bots`, next to ours). That store is synchronous, and its
asynchronous twin needs an async database driver, so its calls run on a thread here. The
OAuth state (one use, 10 minutes) is kept the same way. Bot tokens that expire (token
rotation) are refreshed before use. Org-wide (Enterprise Grid) installs are refused with a
page that says to install into each workspace.
"""

import asyncio
import html
import time
from dataclasses import dataclass
from typing import Any

from slack_bolt.oauth.async_callback_options import (
    AsyncCallbackOptions,
    AsyncFailureArgs,
    AsyncSuccessArgs,
)
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import create_engine

from bot import Settings

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
SCOPES = (
    "app_mentions:read",
    "channels:history",
    "groups:history",
    "im:history",
    "chat:write",
    "commands",
    "reactions:write",
    "users:read",
)
HTML = "text/html; charset=utf-8"
STATE_SECONDS = 600
ROTATE_BEFORE_MINUTES = 120  # refresh a bot token that expires within this
ORG_WIDE_REFUSED = (
    "sourcecheck is installed one workspace at a time: org-wide (Enterprise Grid) installs "
    "are not supported. Install it into each workspace that wants it instead."
)


@dataclass(frozen=True, slots=True)
class Credentials:
    """What the adapter calls Slack with in one workspace: the bot token and bot user."""

    token: str
    bot_user: str | None


class _OnAThread:
    """A synchronous slack_sdk store, wrapped for Bolt's asynchronous interface."""

    def __init__(self, store: Any) -> None:
        self.store = store

    @property
    def logger(self) -> Any:
        """The store's logger."""
        return self.store.logger


class ThreadedInstallationStore(_OnAThread, AsyncInstallationStore):
    """slack_sdk's SQLAlchemy installation store, its calls run on a thread."""

    store: SQLAlchemyInstallationStore

    async def async_save(self, installation: Installation) -> None:
        """Keep an installation (and its bot)."""
        await asyncio.to_thread(self.store.save, installation)

    async def async_save_bot(self, bot: Bot) -> None:
        """Keep a bot (a refreshed token)."""
        await asyncio.to_thread(self.store.save_bot, bot)

    async def async_find_bot(self, **where: Any) -> Bot | None:
        """A workspace's latest bot."""
        return await asyncio.to_thread(lambda: self.store.find_bot(**where))

    async def async_find_installation(self, **where: Any) -> Installation | None:
        """A workspace's latest installation."""
        return await asyncio.to_thread(lambda: self.store.find_installation(**where))

    async def async_delete_bot(self, **where: Any) -> None:
        """Forget a workspace's bots."""
        await asyncio.to_thread(lambda: self.store.delete_bot(**where))

    async def async_delete_installation(self, **where: Any) -> None:
        """Forget a workspace's installations."""
        await asyncio.to_thread(lambda: self.store.delete_installation(**where))

    async def async_delete_all(self, **where: Any) -> None:
        """Forget everything of a workspace (it uninstalled the app)."""
        await asyncio.to_thread(lambda: self.store.delete_all(**where))


class ThreadedStateStore(_OnAThread, AsyncOAuthStateStore):
    """slack_sdk's SQLAlchemy OAuth state store (each state used once), on a thread."""

    store: SQLAlchemyOAuthStateStore

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        """A new state for one install."""
        return await asyncio.to_thread(self.store.issue)

    async def async_consume(self, state: str) -> bool:
        """Whether `state` was issued, unexpired and not used yet (using it up)."""
        return await asyncio.to_thread(self.store.consume, state)


class Workspaces:
    """The installations of a multi-workspace app, and each one's credentials."""

    def __init__(self, settings: Settings, client: AsyncWebClient) -> None:
        engine = create_engine(settings.db_url)
        installations = SQLAlchemyInstallationStore(settings.slack_client_id, engine)
        states = SQLAlchemyOAuthStateStore(STATE_SECONDS, engine)
        installations.create_tables()
        states.create_tables()
        self.installations = ThreadedInstallationStore(installations)
        self.states = ThreadedStateStore(states)
        self.client = client
        self.rotator = AsyncTokenRotator(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            client=client,
        )
        self.flow = AsyncOAuthFlow(
            client=client,
            settings=AsyncOAuthSettings(
                client_id=settings.slack_client_id,
                client_secret=settings.slack_client_secret,
                scopes=list(SCOPES),
                install_path=INSTALL_PATH,
                redirect_uri_path=REDIRECT_PATH,
                installation_store=self.installations,
                installation_store_bot_only=True,
                state_store=self.states,
                state_expiration_seconds=STATE_SECONDS,
                token_rotation_expiration_minutes=ROTATE_BEFORE_MINUTES,
                callback_options=AsyncCallbackOptions(success=self._installed, failure=_failed),
            ),
        )

    async def credentials(self, team: str) -> Credentials | None:
        """The workspace's bot token (refreshed first if it expires soon) and bot user;
        None when the app is not installed there."""
        bot = await self.installations.async_find_bot(enterprise_id=None, team_id=team)
        if bot is None:
            return None
        expires = bot.bot_token_expires_at
        if expires is not None and expires - time.time() < ROTATE_BEFORE_MINUTES * 60:
            refreshed = await self.rotator.perform_bot_token_rotation(
                bot=bot, minutes_before_expiration=ROTATE_BEFORE_MINUTES
            )
            if refreshed is not None:
                await self.installations.async_save_bot(refreshed)
                bot = refreshed
        return Credentials(bot.bot_token or "", bot.bot_user_id)

    async def forget(self, team: str) -> None:
        """The workspace uninstalled the app: forget its installation and tokens."""
        await self.installations.async_delete_all(enterprise_id=None, team_id=team)

    async def _installed(self, args: AsyncSuccessArgs) -> BoltResponse:
        """A finished install: refused (and forgotten) when it is org-wide."""
        installation = args.installation
        if installation.is_enterprise_install:
            await self.installations.async_delete_all(
                enterprise_id=installation.enterprise_id, team_id=installation.team_id
            )
            return _page(400, ORG_WIDE_REFUSED)
        return _page(200, "sourcecheck is installed. Post a link in a channel it is in.")


async def _failed(args: AsyncFailureArgs) -> BoltResponse:
    """A failed install (a state that does not match, a code used twice, ...): say so."""
    return _page(
        args.suggested_status_code,
        f"The installation did not complete ({html.escape(args.reason)}). "
        "Start again from Add to Slack.",
    )


def _page(status: int, text: str) -> BoltResponse:
    body = f"<!DOCTYPE html><html><body><p>{text}</p></body></html>"
    return BoltResponse(
        status=status, body=body, headers={"Content-Type": "text/html; charset=utf-8"}
    )
