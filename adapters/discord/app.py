"""The Discord adapter on discord.py 2.x: messages in, embed replies in threads out.

All decisions are the core's. This module creates a thread on the message (or answers in the
thread it is in, or replies to it where threads are not allowed), never pings anyone, keeps
link previews out of its replies, offers the `/sourcecheck` command group and the "Check
sources" message command, and deletes its reply when the source message goes.
"""

import asyncio
import hashlib
import inspect
import json
import logging
from dataclasses import replace
from typing import Literal

import discord
import yarl
from aiohttp import web
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from adapters.discord.events import PLATFORM, decode_text, incoming
from adapters.discord.render import ALL_FLAGS, DISMISS, SHOW_ALL, reply_embeds
from adapters.failures import PlatformUnavailable, reaching
from bot import Bot, Incoming, Reply, ReplyKind, ReplyRecord, Settings, Status
from bot.grammar import GRAMMAR, Spec, Who

log = logging.getLogger(__name__)

GATEWAY_AUTHENTICATION_FAILED = 4004
GATEWAY_DISALLOWED_INTENTS = 4014

THREAD_EXISTS = 160004
MISSING_PERMISSIONS = 50013
COMMANDS_HASH = "discord.commands.sha256"
NONE = discord.AllowedMentions.none()
PERMISSIONS = {  # who may see a subcommand by default; the core checks again
    Who.MODERATOR: discord.Permissions(manage_messages=True),
    Who.ADMIN: discord.Permissions(manage_guild=True),
}
READ_REACTION = "👀"  # quiet mode: read, nothing flagged
QUIET_NOTICE = "⏳"  # no whispering in a Discord channel: "busy" and "slow down" react


class ReplyButtons(discord.ui.View):
    """Show all and Dismiss under every reply; persistent (stable ids, no timeout)."""

    def __init__(self, adapter: "DiscordAdapter", *, show_all: bool = True) -> None:
        super().__init__(timeout=None)
        self.adapter = adapter
        if not show_all:
            self.remove_item(self.show_all)

    @discord.ui.button(label="Show all", style=discord.ButtonStyle.secondary, custom_id=SHOW_ALL)
    async def show_all(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        """Every flagged assertion, to the asking user only."""
        await self.adapter.show_all(interaction)

    @discord.ui.button(label="Dismiss", style=discord.ButtonStyle.secondary, custom_id=DISMISS)
    async def dismiss(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        """Remove the reply (the poster or a moderator)."""
        await self.adapter.dismiss(interaction)


class DiscordAdapter:
    """Holds the client, its command tree, and the bot."""

    def __init__(self, bot: Bot, settings: Settings) -> None:
        self.bot = bot
        self.settings = settings
        intents = discord.Intents.none()
        intents.guilds = True
        intents.guild_messages = True
        intents.message_content = True
        intents.guild_reactions = True
        options = {"intents": intents, "allowed_mentions": NONE}
        if settings.discord_shards == "auto":
            self.client: discord.Client = discord.AutoShardedClient(**options)
        elif int(settings.discord_shards) > 1:
            self.client = discord.AutoShardedClient(
                shard_count=int(settings.discord_shards),
                shard_ids=list(settings.discord_shard_ids) or None,
                **options,
            )
        else:
            self.client = discord.Client(**options)
        self.tree = app_commands.CommandTree(self.client)
        self._sweeper: asyncio.Task[None] | None = None
        self.client.setup_hook = self._setup_hook
        self.client.event(self.on_message)
        self.client.event(self.on_raw_message_delete)
        self.client.event(self.on_raw_reaction_add)
        for handler in (self.on_ready, self.on_resumed, self.on_disconnect):
            self.client.event(handler)
        self._register_commands()

    def web_routes(self) -> list[web.RouteDef]:
        """Discord needs no HTTP routes (everything comes over the gateway)."""
        return []

    async def serve(self) -> None:
        """Run until the connection ends; raise then, so `sourcecheck run` exits."""
        if self.settings.discord_api_url:
            Route.BASE = self.settings.discord_api_url
        if self.settings.discord_gateway_url:
            DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.settings.discord_gateway_url)
        self.bot.health.set(PLATFORM, Status.CONNECTING)
        try:
            with reaching("Discord", Route.BASE):
                async with self.client:
                    await self.client.start(self.settings.discord_token)
        except discord.LoginFailure as error:
            raise PlatformUnavailable(_refused_token(str(error))) from None
        except discord.ConnectionClosed as error:
            raise PlatformUnavailable(_closed_because(error)) from None
        finally:
            if self._sweeper is not None:
                self._sweeper.cancel()
        raise PlatformUnavailable("the Discord connection closed")

    async def on_ready(self) -> None:
        """Connected (also after a reconnect); the first time, finish a crashed run's work,
        then look for a dead replica's every so often."""
        self.bot.health.set(PLATFORM, Status.CONNECTED)
        if self._sweeper is None:
            self._sweeper = asyncio.create_task(self._sweep())

    async def on_resumed(self) -> None:
        """A dropped session resumed."""
        self.bot.health.set(PLATFORM, Status.CONNECTED)

    async def on_disconnect(self) -> None:
        """The gateway connection dropped; discord.py reconnects."""
        self.bot.health.set(PLATFORM, Status.DISCONNECTED)

    async def _setup_hook(self) -> None:
        self.client.add_view(ReplyButtons(self))
        await self._sync_commands()

    async def _sync_commands(self) -> None:
        """Sync the command tree only when it changed since the last sync."""
        payload = [command.to_dict(self.tree) for command in self.tree.get_commands()]
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        if await self.bot.get_meta(COMMANDS_HASH) == digest:
            return
        await self.tree.sync()
        await self.bot.set_meta(COMMANDS_HASH, digest)
        log.info("discord.commands_synced")

    # Messages

    async def on_message(self, message: discord.Message, *, held: bool = False) -> None:
        """A new message (or, `held`, one a dead run claimed and this run took over): answer
        it in a thread if the core says so."""
        assert self.client.user is not None
        request = incoming(message, self.client.user, moderator=False)
        if request is not None:
            await self.bot.answer(replace(request, held=held), _MessagePoster(self, message))

    async def _post(self, message: discord.Message, reply: Reply) -> discord.Message:
        content, embeds, cut = reply_embeds(reply)
        view = ReplyButtons(self, show_all=cut) if embeds else discord.utils.MISSING
        channel = message.channel
        if not isinstance(channel, discord.Thread):
            try:
                channel = await message.create_thread(name=_thread_name(reply))
            except discord.HTTPException as error:
                if error.code == THREAD_EXISTS:
                    return await self._into_existing_thread(message, content, embeds, view)
                if error.status not in (400, 403) and error.code != MISSING_PERMISSIONS:
                    raise
                return await message.reply(
                    content or None,
                    embeds=embeds,
                    view=view,
                    allowed_mentions=NONE,
                    mention_author=False,
                )
        return await channel.send(content or None, embeds=embeds, view=view, allowed_mentions=NONE)

    async def _into_existing_thread(
        self,
        message: discord.Message,
        content: str,
        embeds: list[discord.Embed],
        view: discord.ui.View,
    ) -> discord.Message:
        """The message already has a thread (a member opened one, or we did before a crash):
        answer there, unless our reply is already in it."""
        thread = message.guild.get_thread(message.id) if message.guild else None
        thread = thread or await self.client.fetch_channel(message.id)
        assert isinstance(thread, discord.Thread)
        async for earlier in thread.history(limit=50):
            if self.client.user is not None and earlier.author.id == self.client.user.id:
                return earlier
        return await thread.send(content or None, embeds=embeds, view=view, allowed_mentions=NONE)

    async def _sweep(self) -> None:
        """Forever: take over and answer what dead runs held, then wait."""
        while True:
            await self._resume()
            await asyncio.sleep(self.bot.sweep_interval)

    async def _resume(self) -> None:
        """Answer what a dead run claimed and never answered (messages still there)."""
        held = await self.bot.unfinished(PLATFORM)
        for request in held:
            try:
                channel = self.client.get_channel(int(request.channel))
                channel = channel or await self.client.fetch_channel(int(request.channel))
                assert isinstance(channel, discord.abc.Messageable)
                message = await channel.fetch_message(int(request.message_id))
            except discord.HTTPException:
                await self.bot.undelivered(request)
                continue
            await self.on_message(message, held=True)
        if held:
            log.info("discord.resumed", extra={"messages": len(held)})

    async def on_raw_reaction_add(self, event: discord.RawReactionActionEvent) -> None:
        """Quiet mode: a member who adds the 👀 the bot left on a message asks for the full
        reply, which goes in the message's thread like any other."""
        me = self.client.user
        if str(event.emoji) != READ_REACTION or me is None or event.user_id == me.id:
            return
        try:
            channel = self.client.get_channel(event.channel_id)
            channel = channel or await self.client.fetch_channel(event.channel_id)
            assert isinstance(channel, discord.abc.Messageable)
            message = await channel.fetch_message(event.message_id)
        except discord.HTTPException:
            return
        read = any(r.me and str(r.emoji) == READ_REACTION for r in message.reactions)
        request = incoming(message, me, moderator=False) if read else None
        if request is None:
            return
        asker = replace(
            request,
            author=str(event.user_id),
            message_id=f"asked:{message.id}:{event.user_id}",
            thread=request.message_id,
        )
        text = "/sourcecheck check " + request.text
        await self.bot.answer_command(asker, text, _MessagePoster(self, message))

    async def on_raw_message_delete(self, event: discord.RawMessageDeleteEvent) -> None:
        """A source message was deleted: delete our reply too."""
        await self.bot.source_deleted(
            PLATFORM, str(event.guild_id), str(event.channel_id), str(event.message_id), self
        )

    async def delete(self, record: ReplyRecord) -> None:
        """The posting protocol: delete one of our replies (its id is channel:message)."""
        channel_id, message_id = record.reply_id.split(":")
        await self.client.http.delete_message(int(channel_id), int(message_id))

    # Buttons

    async def show_all(self, interaction: discord.Interaction) -> None:
        """The full list of flags of the report a reply showed, ephemeral."""
        full = await self.bot.full_reply(await self._record_of(interaction))
        if full is None:
            await interaction.response.send_message(
                "That report has expired. `/sourcecheck check` makes a new one.", ephemeral=True
            )
            return
        _, embeds, _ = reply_embeds(full, flags_shown=ALL_FLAGS)
        await interaction.response.send_message(embeds=embeds, ephemeral=True)

    async def dismiss(self, interaction: discord.Interaction) -> None:
        """Delete our reply if the poster or a moderator asks."""
        actor = self._actor(interaction, "")
        _, text = await self.bot.dismiss(actor, await self._record_of(interaction), self)
        await interaction.response.send_message(text, ephemeral=True)

    async def _record_of(self, interaction: discord.Interaction) -> ReplyRecord | None:
        """The record of the reply whose button was clicked (kept under the thread, or
        under its parent channel)."""
        if interaction.message is None:
            return None
        channels = [str(interaction.channel_id)]
        parent = getattr(interaction.channel, "parent_id", None)
        if parent:
            channels.append(str(parent))
        workspace = str(interaction.guild_id)
        return await self.bot.reply_record(
            PLATFORM, workspace, channels, _reply_id(interaction.message)
        )

    # Commands

    def _register_commands(self) -> None:
        """The `/sourcecheck` group, one subcommand per entry of the grammar, and the
        "Check sources" message command."""
        group = app_commands.Group(name="sourcecheck", description="Check sources in articles")
        for spec in GRAMMAR:
            if spec.on_discord:
                group.add_command(self._subcommand(spec))
        adapter = self

        async def check_message(interaction: discord.Interaction, message: discord.Message) -> None:
            await adapter._command(
                interaction, f"check {decode_text(message.content)}", public=True
            )

        self.tree.add_command(group)
        self.tree.add_command(
            app_commands.ContextMenu(name="Check sources", callback=check_message)
        )

    def _subcommand(self, spec: Spec) -> app_commands.Command:
        """A Discord subcommand for `spec`: its options typed from the grammar (a choice, a
        whole number, or text; optional where it has a default), its default permission
        from who may run it (the core still checks)."""
        adapter = self

        async def run(interaction: discord.Interaction, **values: object) -> None:
            words = [spec.name, *(str(values[arg.name]) for arg in spec.args)]
            text = " ".join(word for word in words if word)
            await adapter._command(interaction, text, public=spec.public)

        parameters = [
            inspect.Parameter(
                "interaction",
                inspect.Parameter.POSITIONAL_OR_KEYWORD,
                annotation=discord.Interaction,
            )
        ]
        for arg in spec.args:
            kind: object = int if arg.number else str
            if arg.choices:
                kind = Literal.__getitem__(arg.choices)
            default = inspect.Parameter.empty if arg.default is None else arg.default
            parameters.append(
                inspect.Parameter(
                    arg.name, inspect.Parameter.KEYWORD_ONLY, annotation=kind, default=default
                )
            )
        run.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        described = app_commands.describe(**{arg.name: arg.description for arg in spec.args})
        command = app_commands.Command(
            name=spec.name, description=spec.summary, callback=described(run)
        )
        command.default_permissions = PERMISSIONS.get(spec.who)
        return command

    async def _command(
        self, interaction: discord.Interaction, text: str, public: bool = False
    ) -> None:
        """Defer at once, run the core's command, then follow up: ephemeral for settings, and
        for checks in a channel where the bot is disabled or muted; a public check's reply
        has the Show all and Dismiss buttons and is recorded like any other."""
        actor = self._actor(interaction, text)
        public = public and await self.bot.speaks_in(actor)
        await interaction.response.defer(ephemeral=not public, thinking=True)
        poster = _FollowUp(self, interaction, public)
        await self.bot.answer_command(actor, "/sourcecheck " + text, poster)

    def _actor(self, interaction: discord.Interaction, text: str) -> Incoming:
        permissions = interaction.permissions
        return Incoming(
            platform=PLATFORM,
            workspace=str(interaction.guild_id),
            channel=str(interaction.channel_id),
            message_id=f"interaction:{interaction.id}",
            author=str(interaction.user.id),
            text=text,
            is_moderator=permissions.manage_messages or permissions.manage_guild,
            is_admin=permissions.manage_guild,
            parent=_parent_of(interaction.channel),
        )


def _thread_name(reply: Reply) -> str:
    title = reply.reports[0].title if reply.reports else None
    return (title or "sourcecheck")[:100]


def _reply_id(message: discord.Message) -> str:
    return f"{message.channel.id}:{message.id}"


def _parent_of(channel: object) -> str | None:
    """A thread's parent channel, whose settings apply in the thread."""
    if isinstance(channel, discord.Thread) and channel.parent_id:
        return str(channel.parent_id)
    return None


class _MessagePoster:
    """The posting protocol for one message: a reply in its thread, or a quiet reaction
    for a private notice (a bot cannot whisper in a Discord channel)."""

    def __init__(self, adapter: DiscordAdapter, message: discord.Message) -> None:
        self.adapter = adapter
        self.message = message

    async def post(self, request: Incoming, reply: Reply) -> str | None:
        """React, or post the reply; the posted reply's id."""
        if reply.kind is ReplyKind.READ:
            await self.message.add_reaction(READ_REACTION)
            return None
        if reply.ephemeral:
            await self.message.add_reaction(QUIET_NOTICE)
            return None
        return _reply_id(await self.adapter._post(self.message, reply))

    async def delete(self, record: ReplyRecord) -> None:
        """Delete one of our replies."""
        await self.adapter.delete(record)


class _FollowUp:
    """The posting protocol for a command: the follow-up to its deferred interaction."""

    def __init__(
        self, adapter: DiscordAdapter, interaction: discord.Interaction, public: bool
    ) -> None:
        self.adapter = adapter
        self.interaction = interaction
        self.public = public

    async def post(self, request: Incoming, reply: Reply) -> str | None:
        """Follow up; the reply's id when it is public (an ephemeral one cannot be kept)."""
        content, embeds, cut = reply_embeds(reply)
        ephemeral = not self.public or reply.ephemeral
        buttons = bool(embeds) and not ephemeral
        sent = await self.interaction.followup.send(
            content or (None if embeds else "Done."),
            embeds=embeds,
            view=ReplyButtons(self.adapter, show_all=cut) if buttons else discord.utils.MISSING,
            ephemeral=ephemeral,
            allowed_mentions=NONE,
            wait=True,
        )
        return None if ephemeral else _reply_id(sent)

    async def delete(self, record: ReplyRecord) -> None:
        """Delete one of our replies."""
        await self.adapter.delete(record)


def _refused_token(reason: str) -> str:
    return f"Discord refused the bot token ({reason}): check DISCORD_TOKEN"


def _closed_because(error: discord.ConnectionClosed) -> str:
    """Why the gateway closed the connection, with what to check for the usual causes."""
    if error.code == GATEWAY_AUTHENTICATION_FAILED:
        return _refused_token(f"gateway close code {error.code}")
    if error.code == GATEWAY_DISALLOWED_INTENTS:
        return (
            "Discord refused the Message Content intent (gateway close code 4014): turn it on "
            "under Bot, Privileged Gateway Intents, in the Developer Portal"
        )
    return f"Discord closed the connection (gateway close code {error.code})"
