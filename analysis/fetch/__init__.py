"""Safe page fetching: URL and address policy, a pinned-address transport, the fetcher."""

from analysis.fetch.fetcher import FetchedPage, FetchPolicy, fetch_page
from analysis.fetch.policy import AddressPolicy, is_public_address, literal_address, parse_url
from analysis.fetch.transport import Resolver, system_resolver

__all__ = [
    "AddressPolicy",
    "FetchPolicy",
    "FetchedPage",
    "Resolver",
    "fetch_page",
    "is_public_address",
    "literal_address",
    "parse_url",
    "system_resolver",
]
