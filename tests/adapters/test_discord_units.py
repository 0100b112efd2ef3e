"""The Discord command group is made from the grammar."""

import discord
from discord import app_commands

from adapters.discord import DiscordAdapter
from bot.grammar import GRAMMAR, Who


def test_the_command_group_mirrors_the_grammar() -> None:
    adapter = DiscordAdapter.__new__(DiscordAdapter)
    adapter.tree = app_commands.CommandTree(discord.Client(intents=discord.Intents.none()))
    adapter._register_commands()
    group = adapter.tree.get_command("sourcecheck")
    commands = {command.name: command for command in group.commands}
    assert set(commands) == {spec.name for spec in GRAMMAR if spec.on_discord}
    for spec in GRAMMAR:
        if not spec.on_discord:
            continue
        command = commands[spec.name]
        assert command.description == spec.summary
        assert [p.name for p in command.parameters] == [a.name for a in spec.args]
        for parameter, arg in zip(command.parameters, spec.args, strict=True):
            assert parameter.required == (arg.default is None)
            assert [c.value for c in parameter.choices] == list(arg.choices)
        permissions = command.default_permissions
        if spec.who is Who.ADMIN:
            assert permissions is not None and permissions.manage_guild
        elif spec.who is Who.MODERATOR:
            assert permissions is not None and permissions.manage_messages
        else:
            assert permissions is None
