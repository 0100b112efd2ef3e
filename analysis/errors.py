"""The analysis layer's typed errors: a code from the report schema and a message for chat users."""

from enum import StrEnum


class ErrorCode(StrEnum):
    """Why a target could not be analysed (the report's `error.code`)."""

    INVALID_URL = "invalid_url"
    BLOCKED_ADDRESS = "blocked_address"
    DNS_FAILURE = "dns_failure"
    CONNECTION_FAILED = "connection_failed"
    TIMEOUT = "timeout"
    TOO_LARGE = "too_large"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    HTTP_STATUS = "http_status"
    UNSUPPORTED_TYPE = "unsupported_type"
    NOT_AN_ARTICLE = "not_an_article"
    UNSUPPORTED_LANGUAGE = "unsupported_language"
    NOT_FOUND = "not_found"
    TOO_MANY_LINKS = "too_many_links"
    INTERNAL = "internal_error"


class AnalysisError(Exception):
    """A failure that a chat user can be told about in plain words.

    `code` is machine-readable; `message` is neutral, short, and free of internal detail
    (no addresses of our own network, no stack traces).
    """

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __reduce__(self) -> tuple[type["AnalysisError"], tuple[ErrorCode, str]]:
        return (type(self), (self.code, self.message))

    def to_json(self) -> dict[str, str]:
        """The schema's `error` object."""
        return {"code": str(self.code), "message": self.message}
