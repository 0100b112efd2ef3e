"""The command grammar is one source: the parser, the help, and the README's table."""

from pathlib import Path

import pytest

from bot.commands import HELP, CommandError, parse
from bot.grammar import GRAMMAR, Who, markdown_table

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_table_is_the_grammar() -> None:
    assert markdown_table() in README.read_text(encoding="utf-8")


@pytest.mark.parametrize("spec", GRAMMAR, ids=[spec.name for spec in GRAMMAR])
def test_every_command_parses_and_is_in_the_help(spec) -> None:
    assert parse(f"/sourcecheck {spec.name}").name == spec.name
    for form in spec.forms:
        assert f"/sourcecheck {form.usage}" in HELP


def test_who_may_run_a_command_comes_from_the_grammar() -> None:
    assert parse("domains list").who is Who.ANYONE
    assert parse("domains deny example.com").workspace_wide
    assert parse("mute 5").changes_settings and not parse("mute 5").workspace_wide
    assert not parse("stats").changes_settings
    with pytest.raises(CommandError):
        parse("frobnicate")
