"""End to end over real HTTP: the whole app on a loopback port, its Slack client on the fake Slack,
and requests signed exactly as Slack signs them."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import Engine

from bot.composition import Warroom, build
from bot.incidents.service import READY
from bot.kernel.settings import Settings
from warroom_sandbox import FakeSlackServer
from warroom_sandbox.model import Channel, Message
from warroom_sandbox.server import BackgroundServer
from warroom_sandbox.signing import SlackDriver

SECRET = "e2e-signing-secret"
ICAL_SECRET = "e2e-ical-secret"
CONFIG_DIR = Path(__file__).parent / "config"  # users, schedules, policies, services (see there)
ONCALL, LEAD, MANAGER, BOB = "U0ONCALL", "U0LEAD", "U0MGR", "U0BOB"
GENERAL = "C0GENERAL"

T = TypeVar("T")


def eventually(probe: Callable[[], T | None], timeout: float = 20.0, what: str = "") -> T:
    """Poll until ``probe`` returns something truthy; the deadline is generous, not a measure."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = probe()
            if result:
                return result
        except (LookupError, AssertionError) as error:
            last = error
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what or probe}: {last}")


def metrics_showing(url: str, *lines: str) -> str:
    """``/metrics`` once it shows every one of ``lines``: a scrape serves the last finished read
    of the database gauges, so what a command just changed shows a scrape or two later."""

    def showing() -> str | None:
        text = httpx.get(f"{url}/metrics", timeout=10).text
        return text if all(line in text for line in lines) else None

    return eventually(showing, what=f"/metrics showing {lines}")


class Clock:
    """The app's clock: real time plus whatever a test skips ahead."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


@dataclass
class Bot:
    app: Warroom
    slack: FakeSlackServer
    driver: SlackDriver
    url: str
    clock: Clock

    def incident_channel(self, name: str) -> Channel:
        """Wait until the channel exists with its card pinned, then return it."""

        def ready() -> Channel | None:
            channel = self.slack.state.find_channel(name)
            return channel if channel and self.provisioned(channel) else None

        return eventually(ready, what=f"#{name} with a pinned card")

    def declare(self, text: str = "Checkout latency high sev2", user: str = ONCALL) -> Channel:
        """Declare from #general and wait for the new incident channel with its pinned card."""
        before = {c.id for c in self.slack.state.conversations()}
        response = self.driver.slash_command(text=f"declare {text}", user_id=user)
        assert response.status_code == 200

        def created() -> Channel | None:
            return next(
                (
                    c
                    for c in self.slack.state.conversations()
                    if c.id not in before and c.name.startswith("inc-") and self.provisioned(c)
                ),
                None,
            )

        return eventually(created, what="the incident channel")

    def provisioned(self, channel: Channel) -> bool:
        """The bot finished setting the channel up: card pinned, topic set, and the channel
        recorded ready (with its provisioning timer done: a test that moves the clock on before
        that would see the timer's lease run out and provisioning run again)."""
        if not (self.slack.state.pins(channel.id) and channel.topic):
            return False
        number = int(channel.name.split("-")[1])
        state = self.app.incidents.provisioning(number)
        return state is not None and state.provision_state == READY

    def card(self, channel_id: str) -> Message:
        return self.slack.state.pins(channel_id)[0]

    def buttons(self, channel_id: str) -> list[str]:
        """The labels of the buttons on the pinned card."""
        return [
            element["text"]["text"]
            for block in self.card(channel_id).blocks
            if block["type"] == "actions"
            for element in block["elements"]
            if element["type"] == "button"
        ]

    def posted(self, channel_id: str, fragment: str) -> Message:
        return eventually(
            lambda: next(
                (m for m in self.slack.state.messages(channel_id) if fragment in m.all_text), None
            ),
            what=f"a message containing {fragment!r}",
        )

    def said_to(self, user: str, fragment: str) -> str:
        """An ephemeral answer (ack body or response_url) to ``user`` containing ``fragment``."""

        def find() -> str | None:
            texts = [r.all_text for r in self.slack.state.responses(user_id=user)]
            texts += [e.all_text for e in self.slack.state.ephemerals(user)]
            return next((t for t in texts if fragment in t), None)

        return eventually(find, what=f"an answer to {user} containing {fragment!r}")

    def command(self, channel: Channel, text: str, user: str = ONCALL) -> None:
        response = self.driver.slash_command(text=text, user_id=user, channel_id=channel.id)
        assert response.status_code == 200


@pytest.fixture(scope="session")
def fake_slack_server() -> Iterator[FakeSlackServer]:
    with FakeSlackServer(trigger_ttl=60) as server:
        yield server


@pytest.fixture
def slack(fake_slack_server: FakeSlackServer) -> Iterator[FakeSlackServer]:
    fake_slack_server.reset()
    yield fake_slack_server
    fake_slack_server.reset()


@pytest.fixture
def config_dir() -> Path:
    """The config folder the app loads; a test module may override this fixture."""
    return CONFIG_DIR


@pytest.fixture
def extra_settings() -> dict[str, Any]:
    """More settings for the app (e.g. provider URLs); a test module may override this fixture."""
    return {}


def e2e_settings(
    slack: FakeSlackServer, database_url: str, config_dir: Path = CONFIG_DIR, **extra: Any
) -> Settings:
    return Settings(
        _env_file=None,
        slack_bot_token=SecretStr("xoxb-e2e"),
        slack_signing_secret=SecretStr(SECRET),
        slack_api_url=slack.api_url,
        database_url=database_url,
        timer_sweep_seconds=0.2,
        timer_backoff_base_seconds=0.05,
        timer_max_attempts=4,
        timer_lease_seconds=30,
        config_dir=config_dir,
        ical_secret=SecretStr(ICAL_SECRET),
        **extra,
    )


@pytest.fixture
def bot(
    slack: FakeSlackServer,
    engine: Engine,
    database_url: str,
    config_dir: Path,
    extra_settings: dict[str, Any],
) -> Iterator[Bot]:
    clock = Clock()
    settings = e2e_settings(slack, database_url, config_dir, **extra_settings)
    warroom = build(settings, clock=clock, migrate=False)
    with (
        BackgroundServer(warroom.asgi) as server,
        SlackDriver(f"{server.url}/slack/events", SECRET, slack) as driver,
    ):
        yield Bot(warroom, slack, driver, server.url, clock)
    warroom.engine.dispose()
