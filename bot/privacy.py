"""What sourcecheck keeps, where and for how long: the text of `/sourcecheck privacy`, on
every platform, and of PRIVACY.md (a test holds the two together)."""

from sqlalchemy.engine import make_url

from bot.settings import Settings

HOUR = 3600


def privacy_text(settings: Settings) -> str:
    """The privacy statement for these settings (retention, cache lifetime, database)."""
    retention_days = settings.retention_days
    backend = make_url(settings.db_url).get_backend_name()
    where = "a SQLite file on the bot's host" if backend == "sqlite" else f"its {backend} database"
    hours = round(settings.cache_ttl / HOUR)
    return "\n".join(
        [
            "What sourcecheck keeps, where, and for how long:",
            "- Message text: never stored. A linked page is fetched, analysed in memory, and "
            f"its report (public pages only, never pasted text) is cached for {hours} hours.",
            "- For each message answered: its ids (workspace, channel, message, author) and "
            f"the reply's id, for {retention_days} days, so nothing is answered twice and "
            "the poster can dismiss the reply.",
            "- Settings: channel settings, domain rules and opt-outs, until changed; the audit "
            f"log of settings changes and dismissals (who and when), for {retention_days} days.",
            f"- Usage counts per site, with no member in them, for {retention_days} days.",
            f"Where: the bot's own database ({where}), nowhere else. No third party receives "
            "anything, and no LLM or outside AI service is used: the analysis runs on the "
            "bot's own servers.",
            "`/sourcecheck forget-me` removes your opt-out, the audit entries naming you, and "
            "your id on the records of replies to your messages.",
        ]
    )
