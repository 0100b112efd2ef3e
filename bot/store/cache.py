"""The report cache: one report JSON per normalised link, for `cache_ttl` seconds. (The
coalescing of concurrent analyses of one link lives in the bot, in memory.)"""

from sqlalchemy import delete, select

from bot.schema import URL_SIZE, report_cache
from bot.store.base import StoreBase, fit, upsert


class ReportCache(StoreBase):
    """Cached reports of public pages."""

    def cached_report(self, url: str, ttl: float) -> str | None:
        """A report JSON for `url` younger than `ttl` seconds."""
        with self.engine.connect() as connection:
            return connection.execute(
                select(report_cache.c.report).where(
                    report_cache.c.url == fit(url, URL_SIZE),
                    report_cache.c.at >= self.clock() - ttl,
                )
            ).scalar()

    def cache_report(self, url: str, report_json: str) -> None:
        """Keep a report for `url` (one statement)."""
        row = {"url": fit(url, URL_SIZE), "report": report_json, "at": self.clock()}
        with self.engine.begin() as connection:
            upsert(connection, report_cache, [row], ["url"], ["report", "at"])

    def expire_reports(self, older_than: float) -> None:
        """Forget reports cached before `older_than`."""
        with self.engine.begin() as connection:
            connection.execute(delete(report_cache).where(report_cache.c.at < older_than))
