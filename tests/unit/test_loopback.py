"""The loopback listener: one callback (GET or form_post), 404 for the rest, timeout, clean close."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

from tokenlab.core.errors import RemedyKind, remedy
from tokenlab.core.flows import loopback
from tokenlab.core.flows.loopback import (
    LoopbackError,
    LoopbackListener,
    has_display,
    over_ssh,
    ssh_forward_line,
)


def port_is_free(port: int) -> bool:
    """Nothing listens there any more: a new listener can bind it (as asyncio does)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            s.listen()
        except OSError:
            return False
    return True


def refused(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        try:
            s.connect(("127.0.0.1", port))
        except ConnectionRefusedError:
            return True
    return False


def busy_port() -> tuple[socket.socket, int]:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    return s, s.getsockname()[1]


async def test_get_callback_is_delivered_answered_and_the_listener_closes() -> None:
    async with LoopbackListener() as listener, httpx.AsyncClient() as browser:
        assert listener.redirect_uri == f"http://127.0.0.1:{listener.port}/callback"
        waiting = asyncio.create_task(listener.wait(5))
        response = await browser.get(f"{listener.redirect_uri}?code=abc&state=xyz")
        callback = await waiting
    assert response.status_code == 200
    assert "close this tab" in response.text
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"
    assert callback.method == "GET"
    assert callback.params == {"code": "abc", "state": "xyz"}
    assert port_is_free(listener.port)
    assert refused(listener.port)


async def test_form_post_callback() -> None:
    async with LoopbackListener() as listener, httpx.AsyncClient() as browser:
        waiting = asyncio.create_task(listener.wait(5))
        response = await browser.post(
            listener.redirect_uri, data={"code": "c1", "state": "s1", "id_token": "eyJ.x.y"}
        )
        callback = await waiting
    assert response.status_code == 200
    assert callback.method == "POST"
    assert callback.params == {"code": "c1", "state": "s1", "id_token": "eyJ.x.y"}


async def test_error_callback_page_names_the_error_only() -> None:
    async with LoopbackListener() as listener, httpx.AsyncClient() as browser:
        waiting = asyncio.create_task(listener.wait(5))
        response = await browser.get(
            listener.redirect_uri, params={"error": "access_denied<script>", "state": "s"}
        )
        callback = await waiting
    assert "Sign-in did not succeed" in response.text
    assert "access_denied&lt;script&gt;" in response.text  # escaped, never markup
    assert callback.params["error"] == "access_denied<script>"


async def test_other_paths_get_404_and_do_not_end_the_wait() -> None:
    async with LoopbackListener() as listener, httpx.AsyncClient() as browser:
        waiting = asyncio.create_task(listener.wait(5))
        base = f"http://127.0.0.1:{listener.port}"
        assert (await browser.get(f"{base}/favicon.ico")).status_code == 404
        assert (await browser.get(f"{base}/callback/x?code=1")).status_code == 404
        assert (await browser.put(f"{base}/callback?code=1")).status_code == 405
        assert (
            await browser.post(f"{base}/callback", content=b"{}", headers={"content-type": "x/y"})
        ).status_code == 415
        # no answer in the query: a fragment answer is handed back by the page's script
        bounce = await browser.get(f"{base}/callback")
        assert bounce.status_code == 200 and "location.hash" in bounce.text
        await asyncio.sleep(0.05)
        assert not waiting.done()
        await browser.get(f"{base}/callback?code=real&state=s")
        assert (await waiting).params["code"] == "real"


async def test_exactly_one_callback_then_closed() -> None:
    async with LoopbackListener() as listener, httpx.AsyncClient() as browser:
        waiting = asyncio.create_task(listener.wait(5))
        await browser.get(f"{listener.redirect_uri}?code=first")
        await waiting
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient() as late:
            await late.get(f"{listener.redirect_uri}?code=second")
    assert (await waiting).params["code"] == "first"


async def test_timeout_is_explained_with_the_redirect_uri_as_likely_cause() -> None:
    async with LoopbackListener() as listener:
        with pytest.raises(LoopbackError) as caught:
            await listener.wait(0.2)
    assert listener.redirect_uri in caught.value.message
    assert "redirect URI" in caught.value.hint and "ImpersonateLoginUrl" in caught.value.hint
    assert "--" not in caught.value.hint  # the ways to finish otherwise are a remedy
    assert caught.value.remedy == remedy(
        RemedyKind.FINISH_SIGN_IN_ANOTHER_WAY, ways=("paste", "device")
    )
    assert port_is_free(listener.port)


async def test_fixed_port_and_path() -> None:
    probe, port = busy_port()
    probe.close()
    async with LoopbackListener(port=port, path="/signin-oidc") as listener:
        assert listener.port == port
        assert listener.redirect_uri == f"http://127.0.0.1:{port}/signin-oidc"


async def test_busy_port_is_a_clear_error() -> None:
    holder, port = busy_port()
    with holder, pytest.raises(LoopbackError) as caught:
        async with LoopbackListener(port=port):
            pass
    assert str(port) in caught.value.message
    assert "loopback_port" in caught.value.hint


async def test_cancelling_a_wait_leaves_no_listener_and_no_task() -> None:
    before = asyncio.all_tasks()
    ports: list[int] = []
    opened = asyncio.Event()

    async def flow() -> None:
        async with LoopbackListener() as listener:
            ports.append(listener.port)
            opened.set()
            await listener.wait(30)

    task = asyncio.create_task(flow())
    await opened.wait()
    # a browser connection left open half-way: its handler must end with the listener
    reader, writer = await asyncio.open_connection("127.0.0.1", ports[0])
    writer.write(b"GET /callback?code=1 HTTP/1.1\r\nHost: x\r\n")
    await writer.drain()
    await asyncio.sleep(0.05)
    task.cancel()
    # at once, not after the half-open connection's read timeout
    done, _ = await asyncio.wait({task}, timeout=2)
    assert task in done and task.cancelled()
    assert await reader.read() == b""  # the server side closed the half-open connection
    writer.close()
    await asyncio.sleep(0)
    assert asyncio.all_tasks() - before - {asyncio.current_task()} == set()
    assert port_is_free(ports[0])


async def test_close_is_idempotent_and_wait_needs_start() -> None:
    listener = LoopbackListener()
    with pytest.raises(RuntimeError):
        await listener.wait(1)
    await listener.start()
    await listener.close()
    await listener.close()


def test_ssh_and_display_detection() -> None:
    assert over_ssh({"SSH_CONNECTION": "10.0.0.2 5555 10.0.0.1 22"})
    assert over_ssh({"SSH_TTY": "/dev/pts/1"})
    assert not over_ssh({})
    assert not has_display({"SSH_TTY": "/dev/pts/1", "DISPLAY": ":0"}, "linux")
    assert has_display({"DISPLAY": ":0"}, "linux")
    assert has_display({"WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert not has_display({}, "linux")
    assert has_display({}, "darwin")


def test_ssh_forward_line() -> None:
    line = ssh_forward_line(8765, {})
    assert line.startswith("ssh -L 8765:127.0.0.1:8765 ")
    assert "@" in line.split()[-1]


async def test_open_browser_never_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(url: str) -> bool:
        raise RuntimeError("no browser here")

    monkeypatch.setattr("webbrowser.open", broken)
    assert await loopback.open_browser("http://127.0.0.1:1/x") is False
    monkeypatch.setattr("webbrowser.open", lambda url: True)
    assert await loopback.open_browser("http://127.0.0.1:1/x") is True
