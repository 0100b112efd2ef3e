"""Settings: one default per setting, and the database in one documented place."""

import os
from pathlib import Path
from unittest import mock

import pytest
from platformdirs import user_data_path

from bot.settings import DEFAULT, Settings, SettingsError, load_settings


def test_the_default_database_is_in_the_users_data_folder_wherever_the_bot_starts(
    tmp_path: Path,
) -> None:
    """Issue 14: the SQLite file landed in ./data of whatever folder the bot started in."""
    expected = f"sqlite:///{user_data_path('sourcecheck') / 'sourcecheck.db'}"
    assert Settings().db_url == expected
    cwd = os.getcwd()
    try:
        os.chdir(tmp_path)
        with mock.patch.dict(os.environ, {"SOURCECHECK_DB_URL": ""}):
            assert load_settings(env_file=None).db_url == expected
    finally:
        os.chdir(cwd)


def test_unset_settings_take_the_one_default() -> None:
    names = {k: "" for k in os.environ if k.startswith("SOURCECHECK_")}
    with mock.patch.dict(os.environ, names):
        loaded = load_settings(env_file=None)
    assert loaded.workers == DEFAULT.workers and loaded.cache_ttl == DEFAULT.cache_ttl
    assert loaded.member_rate == DEFAULT.member_rate and loaded.port == DEFAULT.port


def test_the_http_port_listens_everywhere_only_in_slack_http_mode() -> None:
    """Issue 14: /metrics was on every interface even where no inbound port is needed."""
    cases = [
        ({"SLACK_BOT_TOKEN": "xoxb-t", "SLACK_APP_TOKEN": ""}, "0.0.0.0"),
        ({"SLACK_BOT_TOKEN": "xoxb-t", "SLACK_APP_TOKEN": "xapp-t"}, "127.0.0.1"),
        ({"SLACK_BOT_TOKEN": "", "DISCORD_TOKEN": "d"}, "127.0.0.1"),
    ]
    for env, host in cases:
        with mock.patch.dict(os.environ, env | {"SOURCECHECK_HOST": ""}):
            assert load_settings(env_file=None).host == host
    with mock.patch.dict(os.environ, {"SOURCECHECK_HOST": "10.1.2.3"}):
        assert load_settings(env_file=None).host == "10.1.2.3"


def test_discord_shard_ids_name_shards_of_the_total(monkeypatch) -> None:
    """Issue 15: each process runs some of the shards."""
    monkeypatch.setenv("SOURCECHECK_DISCORD_SHARDS", "4")
    monkeypatch.setenv("SOURCECHECK_DISCORD_SHARD_IDS", "2, 0")
    assert load_settings(env_file=None).discord_shard_ids == (0, 2)
    monkeypatch.setenv("SOURCECHECK_DISCORD_SHARD_IDS", "4")
    with pytest.raises(SettingsError, match="run from 0 to 3"):
        load_settings(env_file=None)
    monkeypatch.setenv("SOURCECHECK_DISCORD_SHARDS", "auto")
    monkeypatch.setenv("SOURCECHECK_DISCORD_SHARD_IDS", "0")
    with pytest.raises(SettingsError, match="SOURCECHECK_DISCORD_SHARDS a number"):
        load_settings(env_file=None)
