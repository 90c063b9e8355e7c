"""The fault server over TLS on 127.0.0.1, with a self-signed certificate for the profile's CA
bundle: for the cases where the authority is https and what discovery names is not."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.fault_server import FaultServer, _Server
from tests.support.servers import self_signed_certificate


@contextmanager
def tls_fault_server(directory: Path) -> Iterator[tuple[FaultServer, Path]]:
    """(a running fault server at https://127.0.0.1:PORT, the CA bundle that trusts it)."""
    cert_path, key_path = self_signed_certificate(directory)
    owner = FaultServer("", drip_s=0.3)
    server = _Server(owner)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    owner.url = f"https://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield owner, cert_path
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
