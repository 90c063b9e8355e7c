"""An answer's body within the cap on the wire and the cap once decoded."""

from __future__ import annotations

import gzip
import zlib

import pytest

from tokenlab.core.errors import ResponseTooLargeError, TransportError
from tokenlab.core.http_body import CappedBody, size_text

CAP = 64 * 1024
WHERE = "https://idp.example/id/jwks"


def read(encodings: list[str], raw: bytes, chunk: int = 1000) -> bytes:
    body = CappedBody(encodings, cap=CAP, where=WHERE)
    for i in range(0, len(raw), chunk):
        body.feed(raw[i : i + chunk])
    return body.finish()


def raw_deflate(data: bytes) -> bytes:
    squeeze = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return squeeze.compress(data) + squeeze.flush()


PLAIN = b'{"keys": []}' * 1000


@pytest.mark.parametrize(
    ("encodings", "raw"),
    [
        ([], PLAIN),
        (["identity"], PLAIN),
        (["gzip"], gzip.compress(PLAIN)),
        (["x-gzip"], gzip.compress(PLAIN)),
        (["deflate"], zlib.compress(PLAIN)),
        (["deflate"], raw_deflate(PLAIN)),  # "deflate" without zlib's header, as some servers send
        (["gzip", "gzip"], gzip.compress(gzip.compress(PLAIN))),
        (["deflate", "gzip"], gzip.compress(zlib.compress(PLAIN))),
        (["utf-8"], PLAIN),  # a misconfigured server's nonsense encoding is ignored, as httpx does
    ],
)
def test_what_fits_is_decoded_exactly(encodings: list[str], raw: bytes) -> None:
    assert read(encodings, raw) == PLAIN


def test_a_bomb_stops_at_the_cap_of_the_decoded_bytes() -> None:
    bomb = gzip.compress(gzip.compress(b"\0" * (64 << 20)))
    assert len(bomb) < CAP
    with pytest.raises(ResponseTooLargeError) as caught:
        read(["gzip", "gzip"], bomb)
    assert (
        caught.value.message == f"the answer from {WHERE} is larger than 64 KiB once decompressed"
    )


def test_the_bytes_on_the_wire_are_capped_too() -> None:
    with pytest.raises(ResponseTooLargeError) as caught:
        read([], b"x" * (CAP + 1))
    assert caught.value.message == f"the answer from {WHERE} is larger than 64 KiB"


def test_an_intermediate_stage_that_inflates_past_the_cap_is_stopped() -> None:
    # the outer layer inflates to a huge inner stream that itself yields almost nothing
    inner = gzip.compress(b"", 9)[:3] + b"\x08" + gzip.compress(b"")[4:]  # FNAME flag set
    inner = inner[:10] + b"n" * (8 << 20) + b"\0" + inner[10:]
    with pytest.raises(ResponseTooLargeError):
        read(["gzip", "gzip"], gzip.compress(inner))


def test_a_compression_not_asked_for_is_refused() -> None:
    with pytest.raises(TransportError, match="compressed with br, which tokenlab did not ask for"):
        CappedBody(["br"], cap=CAP, where=WHERE)


def test_data_that_does_not_decode_is_a_transport_error() -> None:
    with pytest.raises(TransportError, match="is not valid gzip data"):
        read(["gzip"], b"certainly not gzip")


@pytest.mark.parametrize(
    ("size", "text"), [(4 << 20, "4 MiB"), (64 << 10, "64 KiB"), (1000, "1000 bytes")]
)
def test_sizes_read_as_a_person_would_write_them(size: int, text: str) -> None:
    assert size_text(size) == text
