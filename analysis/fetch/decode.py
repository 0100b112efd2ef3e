"""Bounded content decoding: inflate gzip or deflate bodies without ever exceeding a byte cap.

httpx's own decoders inflate a whole network chunk at once, so a small chunk of a gzip bomb
can allocate hundreds of megabytes before any cap is checked. This decoder asks zlib for at
most the remaining budget plus one byte per call.
"""

import zlib

from analysis.errors import AnalysisError, ErrorCode

SUPPORTED_ENCODINGS = ("identity", "gzip", "x-gzip", "deflate")


class BodyTooLarge(Exception):
    """The decoded body passed its cap."""


class BoundedDecoder:
    """Decodes a response body chunk by chunk, holding at most `limit` decoded bytes."""

    def __init__(self, content_encoding: str, limit: int) -> None:
        self._encodings = [e.strip().lower() for e in content_encoding.split(",") if e.strip()]
        unsupported = [e for e in self._encodings if e not in SUPPORTED_ENCODINGS]
        if unsupported or len([e for e in self._encodings if e != "identity"]) > 1:
            raise AnalysisError(
                ErrorCode.UNSUPPORTED_TYPE,
                "The page is compressed in a way sourcecheck does not read.",
            )
        self._limit = limit
        self._size = 0
        self._parts: list[bytes] = []
        self._inflater = self._new_inflater()
        self._first_chunk = True

    def _new_inflater(self) -> "zlib._Decompress | None":
        if "gzip" in self._encodings or "x-gzip" in self._encodings:
            return zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        if "deflate" in self._encodings:
            return zlib.decompressobj(wbits=zlib.MAX_WBITS)
        return None

    def feed(self, chunk: bytes) -> None:
        """Add raw bytes from the network. Raises BodyTooLarge past the cap."""
        if self._inflater is None:
            self._append(chunk)
            return
        if self._first_chunk and "deflate" in self._encodings and not _has_zlib_header(chunk):
            self._inflater = zlib.decompressobj(wbits=-zlib.MAX_WBITS)
        self._first_chunk = False
        data = chunk
        while data:
            try:
                out = self._inflater.decompress(data, self._limit - self._size + 1)
            except zlib.error:
                raise AnalysisError(
                    ErrorCode.UNSUPPORTED_TYPE, "The page's compressed data is damaged."
                ) from None
            self._append(out)
            if self._inflater.unconsumed_tail:
                data = self._inflater.unconsumed_tail
            elif self._inflater.eof and self._inflater.unused_data:
                data = self._inflater.unused_data
                self._inflater = self._new_inflater()
                assert self._inflater is not None
            else:
                data = b""

    def _append(self, data: bytes) -> None:
        self._size += len(data)
        if self._size > self._limit:
            raise BodyTooLarge
        if data:
            self._parts.append(data)

    def body(self) -> bytes:
        """The decoded body."""
        return b"".join(self._parts)


def _has_zlib_header(chunk: bytes) -> bool:
    return len(chunk) >= 2 and (chunk[0] & 0x0F) == 8 and (chunk[0] << 8 | chunk[1]) % 31 == 0
