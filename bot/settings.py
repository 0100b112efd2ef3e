"""The one settings object, built once from the environment (and `.env`, which fills gaps)."""

import os
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values
from platformdirs import user_data_path

from analysis import AddressPolicy, AnalysisOptions, FetchPolicy, Sensitivity


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message names the variable."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Every setting sourcecheck reads."""

    fetch_timeout: float = 10.0
    fetch_max_bytes: int = 5_000_000
    fetch_allow: tuple[str, ...] = ()
    spacy_model: str | None = None
    sensitivity: Sensitivity = Sensitivity.MEDIUM
    log_level: str = "INFO"
    db_url: str = f"sqlite:///{user_data_path('sourcecheck') / 'sourcecheck.db'}"
    max_links: int = 3
    min_text_words: int = 120
    workers: int = 1  # 0: analyse in the bot's own process (bot/inline.py)
    queue_size: int = 20
    queue_url: str = field(default="", repr=False)  # Redis: analyses on `sourcecheck worker`s
    queue_name: str = "sourcecheck"
    queue_jobs: int = 4  # analyses one bot process keeps on the queue at a time (see README)
    run_timeout: float = 30.0  # seconds without a heartbeat before a replica counts as dead
    backlog: int = 1000
    analysis_time_limit: float = 30.0
    member_rate: int = 6
    channel_rate: int = 30
    cache_ttl: float = 86_400.0
    retention_days: int = 30
    port: int = 3000
    host: str = "127.0.0.1"  # every interface only in Slack HTTP mode (see load_settings)
    slack_bot_token: str = field(default="", repr=False)
    slack_app_token: str = field(default="", repr=False)
    slack_signing_secret: str = field(default="", repr=False)
    slack_client_id: str = ""
    slack_client_secret: str = field(default="", repr=False)
    slack_api_url: str = ""
    slack_moderators: tuple[str, ...] = ()
    discord_token: str = field(default="", repr=False)
    discord_api_url: str = ""
    discord_gateway_url: str = ""
    discord_shards: str = "1"
    discord_shard_ids: tuple[int, ...] = ()  # this process's shards (all when empty)

    @property
    def slack_oauth(self) -> bool:
        """Many workspaces: installed through OAuth, each with its own token."""
        return bool(self.slack_client_id and self.slack_client_secret)

    @property
    def slack(self) -> bool:
        """Whether the Slack adapter runs: one workspace's bot token, or OAuth."""
        return bool(self.slack_bot_token or self.slack_oauth)

    def check_for_run(self) -> None:
        """Refuse settings the bot cannot run safely with. Raises SettingsError saying why."""
        if self.slack_oauth and not self.slack_signing_secret:
            raise SettingsError(
                "SLACK_SIGNING_SECRET is required with SLACK_CLIENT_ID and SLACK_CLIENT_SECRET "
                "(many workspaces): Slack's requests must be verified."
            )
        if self.slack_bot_token and not self.slack_app_token and not self.slack_signing_secret:
            raise SettingsError(
                "SLACK_SIGNING_SECRET is required in Slack HTTP mode (SLACK_BOT_TOKEN without "
                "SLACK_APP_TOKEN): without it no request from Slack can be verified. Set it, or "
                "set SLACK_APP_TOKEN to use Socket Mode."
            )

    def fetch_policy(self) -> FetchPolicy:
        """How pages may be fetched under these settings."""
        return FetchPolicy(
            timeout=self.fetch_timeout,
            max_bytes=self.fetch_max_bytes,
            addresses=AddressPolicy.from_list(list(self.fetch_allow)),
        )

    def analysis_options(self, sensitivity: Sensitivity | None = None) -> AnalysisOptions:
        """The analysis core's options for these settings."""
        return AnalysisOptions(
            sensitivity=sensitivity or self.sensitivity,
            fetch=self.fetch_policy(),
            model=self.spacy_model,
        )


DEFAULT = Settings()


def load_settings(env_file: str | Path | None = ".env") -> Settings:
    """Read settings: the process environment first, then `env_file` for what is missing.

    Raises SettingsError naming the variable whose value is unusable.
    """
    file_values = dotenv_values(env_file) if env_file and Path(env_file).is_file() else {}
    values = {k: v for k, v in file_values.items() if v is not None} | dict(os.environ)
    allow = _words(values.get("SOURCECHECK_FETCH_ALLOW", ""))
    try:
        AddressPolicy.from_list(list(allow))
    except ValueError as error:
        raise SettingsError(f"SOURCECHECK_FETCH_ALLOW: {error}") from None
    return Settings(
        fetch_timeout=_number(values, "SOURCECHECK_FETCH_TIMEOUT", "fetch_timeout"),
        fetch_max_bytes=_number(values, "SOURCECHECK_FETCH_MAX_BYTES", "fetch_max_bytes"),
        fetch_allow=allow,
        spacy_model=values.get("SOURCECHECK_SPACY_MODEL") or None,
        sensitivity=_choice(values, "SOURCECHECK_SENSITIVITY", Sensitivity, DEFAULT.sensitivity),
        log_level=(values.get("SOURCECHECK_LOG_LEVEL") or DEFAULT.log_level).upper(),
        db_url=values.get("SOURCECHECK_DB_URL") or DEFAULT.db_url,
        max_links=_number(values, "SOURCECHECK_MAX_LINKS", "max_links"),
        min_text_words=_number(values, "SOURCECHECK_MIN_TEXT_WORDS", "min_text_words"),
        workers=_number(values, "SOURCECHECK_WORKERS", "workers", zero=True),
        queue_size=_number(values, "SOURCECHECK_QUEUE_SIZE", "queue_size"),
        queue_url=values.get("SOURCECHECK_QUEUE_URL", "").strip(),
        queue_name=values.get("SOURCECHECK_QUEUE_NAME", "").strip() or DEFAULT.queue_name,
        queue_jobs=_number(values, "SOURCECHECK_QUEUE_JOBS", "queue_jobs"),
        run_timeout=_number(values, "SOURCECHECK_RUN_TIMEOUT", "run_timeout"),
        backlog=_number(values, "SOURCECHECK_BACKLOG", "backlog"),
        analysis_time_limit=_number(
            values, "SOURCECHECK_ANALYSIS_TIME_LIMIT", "analysis_time_limit"
        ),
        member_rate=_number(values, "SOURCECHECK_MEMBER_RATE", "member_rate", zero=True),
        channel_rate=_number(values, "SOURCECHECK_CHANNEL_RATE", "channel_rate", zero=True),
        cache_ttl=_number(values, "SOURCECHECK_CACHE_TTL", "cache_ttl"),
        retention_days=_number(values, "SOURCECHECK_RETENTION_DAYS", "retention_days"),
        port=_number(values, "SOURCECHECK_PORT", "port"),
        host=values.get("SOURCECHECK_HOST", "").strip() or _default_host(values),
        slack_bot_token=values.get("SLACK_BOT_TOKEN", "").strip(),
        slack_app_token=values.get("SLACK_APP_TOKEN", "").strip(),
        slack_signing_secret=values.get("SLACK_SIGNING_SECRET", "").strip(),
        slack_client_id=values.get("SLACK_CLIENT_ID", "").strip(),
        slack_client_secret=values.get("SLACK_CLIENT_SECRET", "").strip(),
        slack_api_url=values.get("SLACK_API_URL", "").strip(),
        slack_moderators=_words(values.get("SOURCECHECK_SLACK_MODERATORS", "")),
        discord_token=values.get("DISCORD_TOKEN", "").strip(),
        discord_api_url=values.get("DISCORD_API_URL", "").strip().rstrip("/"),
        discord_gateway_url=values.get("DISCORD_GATEWAY_URL", "").strip(),
        discord_shards=_shards(values.get("SOURCECHECK_DISCORD_SHARDS", "")),
        discord_shard_ids=_shard_ids(
            values.get("SOURCECHECK_DISCORD_SHARD_IDS", ""),
            values.get("SOURCECHECK_DISCORD_SHARDS", ""),
        ),
    )


def _default_host(values: dict[str, str]) -> str:
    """Every interface in Slack HTTP mode, where Slack must reach `/slack/events`, and with
    OAuth, where browsers reach the install page; else only this machine (Socket Mode and
    Discord need no inbound port, so `/metrics` stays local)."""
    http_mode = (
        values.get("SLACK_BOT_TOKEN", "").strip() and not values.get("SLACK_APP_TOKEN", "").strip()
    )
    oauth = values.get("SLACK_CLIENT_ID", "").strip()
    return "0.0.0.0" if http_mode or oauth else DEFAULT.host


def _shard_ids(raw: str, total: str) -> tuple[int, ...]:
    """The shards this process runs, of the total: `0,1` of SOURCECHECK_DISCORD_SHARDS=4
    (the others run in other processes)."""
    words = [word for word in raw.replace(",", " ").split() if word]
    if not words:
        return ()
    count = _shards(total)
    if count == "auto" or not all(word.isdigit() for word in words):
        raise SettingsError(
            "SOURCECHECK_DISCORD_SHARD_IDS must be shard numbers (0, 1, ...) with "
            f"SOURCECHECK_DISCORD_SHARDS a number, not {raw!r} of {total!r}"
        )
    ids = tuple(sorted({int(word) for word in words}))
    if ids[-1] >= int(count):
        raise SettingsError(
            f"SOURCECHECK_DISCORD_SHARD_IDS {raw!r}: shard numbers run from 0 to {int(count) - 1} "
            f"(SOURCECHECK_DISCORD_SHARDS={count})"
        )
    return ids


def _shards(raw: str) -> str:
    value = raw.strip().lower() or "1"
    if value != "auto" and not (value.isdigit() and int(value) > 0):
        raise SettingsError(f"SOURCECHECK_DISCORD_SHARDS must be a number or auto, not {raw!r}")
    return value


def _words(raw: str) -> tuple[str, ...]:
    return tuple(word.strip() for word in raw.replace(",", " ").split() if word.strip())


def _number(values: dict[str, str], name: str, setting: str, *, zero: bool = False) -> float:
    """A positive number (or zero, where `zero` allows it) of the setting's type, or the
    setting's default when unset."""
    default = getattr(DEFAULT, setting)
    kind = type(default)
    raw = values.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {raw!r}") from None
    if value < 0 or (value == 0 and not zero):
        least = "zero or more" if zero else "greater than zero"
        raise SettingsError(f"{name} must be {least}, not {raw!r}")
    return value


def _choice[E: Sensitivity](values: dict[str, str], name: str, kind: type[E], default: E) -> E:
    raw = values.get(name, "").strip().lower()
    if not raw:
        return default
    try:
        return kind(raw)
    except ValueError:
        options = ", ".join(member.value for member in kind)
        raise SettingsError(f"{name} must be one of {options}, not {raw!r}") from None
