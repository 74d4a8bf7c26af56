"""The server runner: loopback, an ephemeral port, a clean start and stop."""

from __future__ import annotations

import socket
import threading

import httpx
import pytest
from slack_sdk import WebClient

from warroom_sandbox import FakeSlackServer


def test_serves_on_loopback_with_an_ephemeral_port() -> None:
    with FakeSlackServer() as first, FakeSlackServer() as second:
        assert first.api_url == f"{first.base_url}/api/"
        assert first.base_url.startswith("http://127.0.0.1:")
        assert first.base_url != second.base_url
        WebClient(base_url=first.api_url, token="xoxb-a").chat_postMessage(
            channel="C0GENERAL", text="only in the first"
        )
        assert second.state.messages("C0GENERAL") == []


def test_stop_leaves_no_thread_and_frees_the_port() -> None:
    threads_before = set(threading.enumerate())
    server = FakeSlackServer().start()
    port = int(server.base_url.rsplit(":", 1)[1])
    httpx.post(f"{server.api_url}auth.test", headers={"Authorization": "Bearer xoxb-x"})

    server.stop()

    # No thread of its own is left; threads of earlier tests may have ended meanwhile.
    assert set(threading.enumerate()) <= threads_before
    with (
        pytest.raises(ConnectionRefusedError),
        socket.create_connection(("127.0.0.1", port), timeout=1),
    ):
        pass


def test_urls_need_a_running_server() -> None:
    with pytest.raises(RuntimeError):
        _ = FakeSlackServer().api_url
