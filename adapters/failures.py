"""A chat platform that cannot be reached, or refuses the bot: said in one line, no traceback."""

from collections.abc import Iterator
from contextlib import contextmanager

import aiohttp


class PlatformUnavailable(Exception):
    """A chat platform could not be reached or refused the bot's credentials; the message
    says which and what to check, in one line, for the operator."""


@contextmanager
def reaching(platform: str, where: str) -> Iterator[None]:
    """Turn a failure to connect to `platform` at `where` into PlatformUnavailable."""
    try:
        yield
    except (aiohttp.ClientError, OSError, TimeoutError) as error:
        reason = str(error) or type(error).__name__
        raise PlatformUnavailable(f"cannot reach {platform} at {where} ({reason})") from None
