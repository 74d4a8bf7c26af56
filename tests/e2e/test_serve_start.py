"""What ``warroom serve`` says at start, as an operator reads it in the process's log."""

from __future__ import annotations

from pathlib import Path

from tests.replicas.harness import Replica, replica_env
from warroom_sandbox import FakeSlackServer

E2E_CONFIG = Path(__file__).parent / "config"
UNUSED_PAGERDUTY = "http://127.0.0.1:9"
WARNING = "PUBLIC_URL is not set"


def _start_log(env: dict[str, str], tmp_path: Path) -> str:
    server = Replica("serve", env, tmp_path, tmp_path / "serve.log")
    server.start()
    try:
        server.wait_ready()
    finally:
        server.stop()
    return server.log.read_text()


def test_serve_warns_while_public_url_is_unset(
    database_url: str, fake_slack_server: FakeSlackServer, tmp_path: Path
) -> None:
    env = replica_env(database_url, fake_slack_server.api_url, UNUSED_PAGERDUTY, E2E_CONFIG)
    log = _start_log(env, tmp_path)
    assert f"{WARNING}: the links warroom posts in Slack" in log
    assert "point at http://localhost:3000" in log


def test_serve_is_quiet_once_public_url_is_set(
    database_url: str, fake_slack_server: FakeSlackServer, tmp_path: Path
) -> None:
    env = replica_env(database_url, fake_slack_server.api_url, UNUSED_PAGERDUTY, E2E_CONFIG)
    env["PUBLIC_URL"] = "https://warroom.example.com"
    log = _start_log(env, tmp_path)
    assert "Uvicorn running" in log or "Application startup complete" in log
    assert WARNING not in log
