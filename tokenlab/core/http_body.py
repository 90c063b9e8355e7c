"""An answer's body within two caps: the bytes on the wire, and the bytes once decoded.

httpx inflates a `Content-Encoding` without a limit, so a few KiB of doubly gzipped zeros
become gigabytes before anyone can look at them. Here every decoding stage stops as soon as
its output passes the cap: memory stays near the cap whatever the server sends.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable

from tokenlab.core.errors import ResponseTooLargeError, TransportError

# What tokenlab asks for (Accept-Encoding) and so decodes itself.
ACCEPT_ENCODING = "gzip, deflate"
_GZIP = ("gzip", "x-gzip")
# Compressions a server may use although nobody asked: refused, never passed on undecoded.
_NOT_ASKED = ("br", "zstd", "compress", "x-compress")


def size_text(size: int) -> str:
    """`4 MiB`, `512 KiB`, `300 bytes`."""
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size} bytes"


class _TooLarge(Exception):
    pass


class _Inflater:
    """One gzip or deflate stage: never yields more than `cap` bytes in all."""

    def __init__(self, encoding: str, cap: int) -> None:
        self.encoding = encoding
        self.cap = cap
        self.total = 0
        gzip = encoding in _GZIP
        self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 16 if gzip else zlib.MAX_WBITS)
        self._raw_deflate_possible = (
            not gzip
        )  # servers send "deflate" both with and without zlib's header

    def feed(self, data: bytes) -> bytes:
        if not data:
            return b""
        try:
            out = self._zlib.decompress(data, self.cap - self.total + 1)
        except zlib.error:
            if not self._raw_deflate_possible:
                raise
            self._raw_deflate_possible = False
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._zlib.decompress(data, self.cap - self.total + 1)
        self._raw_deflate_possible = False
        # output stopped at the limit with input left over, or passed the cap: too large
        if self._zlib.unconsumed_tail:
            raise _TooLarge
        return self._count(out)

    def finish(self) -> bytes:
        return self._count(self._zlib.flush())

    def _count(self, out: bytes) -> bytes:
        self.total += len(out)
        if self.total > self.cap:
            raise _TooLarge
        return out


class CappedBody:
    """Feed the raw chunks of one answer; `finish()` gives the decoded body.

    Raises `ResponseTooLargeError` once the raw or the decoded bytes pass `cap`, and a
    `TransportError` for a compression that was not asked for or data that does not decode.
    `where` names the answer in those errors (a masked URL), or makes that name when an error
    needs it: masking a URL is work that an answer read without trouble never needs.
    """

    def __init__(
        self, content_encoding: Iterable[str], *, cap: int, where: str | Callable[[], str]
    ) -> None:
        self.cap = cap
        self._where = where
        self.raw_size = 0
        self.size = 0
        self.chunks: list[bytes] = []
        encodings = [e.strip().lower() for e in content_encoding if e.strip()]
        refused = [e for e in encodings if e in _NOT_ASKED]
        if refused:
            raise TransportError(
                f"the answer from {self.where} is compressed with {refused[0]}, which tokenlab did "
                f"not ask for (it asks for {ACCEPT_ENCODING})",
                "the server or a proxy in between ignores Accept-Encoding",
            )
        # decoded in the reverse order of application; unknown names are ignored, as httpx does
        self.stages = [_Inflater(e, cap) for e in reversed(encodings) if e in (*_GZIP, "deflate")]

    @property
    def where(self) -> str:
        return self._where if isinstance(self._where, str) else self._where()

    def feed(self, raw: bytes) -> None:
        self.raw_size += len(raw)
        if self.raw_size > self.cap:
            raise self._too_large("")
        self._keep(self._through(raw, final=False))

    def finish(self) -> bytes:
        self._keep(self._through(b"", final=True))
        return b"".join(self.chunks)

    def _through(self, data: bytes, *, final: bool) -> bytes:
        """`data` passed through every stage (each flushed when `final`)."""
        for stage in self.stages:
            try:
                data = stage.feed(data) + (stage.finish() if final else b"")
            except _TooLarge:
                raise self._too_large(" once decompressed") from None
            except zlib.error:
                raise TransportError(
                    f"the answer from {self.where} is not valid {stage.encoding} data, although "
                    "its Content-Encoding says so",
                    "the server or a proxy in between mangles compressed answers",
                ) from None
        return data

    def _keep(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.cap:
            raise self._too_large(" once decompressed")
        if data:
            self.chunks.append(data)

    def _too_large(self, how: str) -> ResponseTooLargeError:
        return ResponseTooLargeError(
            f"the answer from {self.where} is larger than {size_text(self.cap)}{how}",
            "identity and API answers are small: this is not one; check the URL",
        )
