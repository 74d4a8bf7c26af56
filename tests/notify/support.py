"""Constants and helpers shared by the notifier tests (the fixtures are in ``conftest``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.config.model import OpsgenieChannel, PagerDutyChannel
from bot.paging.notify import PageNotice
from bot.paging.notify.twilio import TwilioAccount
from warroom_sandbox.providers import FakeTwilio

FIXTURES = Path(__file__).parent / "fixtures"  # copies of the shared provider samples
ROUTING_KEY = "R0123456789ABCDEF0123456789ABCDE"  # PagerDuty keys are 32 characters
GENIE_KEY = "eb243592-faa2-4ba2-a551-1afdf565c889"
HOOK_SECRET = "whsec-3f1c0b5e9d2a4c7e8b6a"
SECRETS: dict[str, str] = {
    "PD_KEY_ALICE": ROUTING_KEY,
    "OG_KEY_ALICE": GENIE_KEY,
    "HOOK_SECRET": HOOK_SECRET,
}
PD = PagerDutyChannel("PD_KEY_ALICE")
OG = OpsgenieChannel("OG_KEY_ALICE")


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


@dataclass
class Waits:
    """Stands in for ``time.sleep``: records each wait; ``then`` runs on the n-th wait."""

    calls: list[float] = field(default_factory=list)
    then: dict[int, Callable[[], None]] = field(default_factory=dict)

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        action = self.then.get(len(self.calls))
        if action is not None:
            action()


def notice(**overrides: Any) -> PageNotice:
    values: dict[str, Any] = {
        "incident_number": 1,
        "title": "Checkout latency high",
        "severity": "SEV2",
        "summary": "Incident declared by alice in #inc-1-checkout-latency-high",
        "dedup_key": "warroom:incident:1:page",
        "link": "https://example.slack.com/archives/C0INC1",
        "channel_name": "inc-1-checkout-latency-high",
        "service": "checkout",
        "recipient": "bob",
        "recipient_email": "bob@example.com",
        "level": 1,
        "at": datetime(2026, 11, 20, 14, 3, 5, tzinfo=UTC),
        "details": {"lead": "alice"},
    }
    values.update(overrides)
    return PageNotice(**values)


def no_secrets(setting: str) -> str | None:
    """A secret lookup where nothing is set."""
    return None


def twilio_account(server: FakeTwilio, **overrides: Any) -> TwilioAccount:
    values: dict[str, Any] = {
        "account_sid": server.account_sid,
        "auth_token": server.auth_token,
        "from_number": server.from_number,
        "api_url": server.url,
        "public_url": "https://warroom.example.com",
    }
    values.update(overrides)
    return TwilioAccount(**values)
