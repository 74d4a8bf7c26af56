"""An alert storm on an open incident: its pinned card is redrawn about once a second at most
(``bot.incidents.timers.CARD_WINDOW``, as for any other change), never once per payload, and
ends showing every alert."""

from __future__ import annotations

import copy
import time
from typing import Any

from bot.incidents.timers import CARD_WINDOW
from tests.alerts.e2e.conftest import Webhooks, fixture
from tests.alerts.e2e.test_incident_from_alerts import open_checkout_incident, processed
from tests.e2e.conftest import Bot, eventually

BURST = 20
PACE = 0.1  # seconds between payloads: a storm lasting a few card windows


def with_more_alerts(payload: dict[str, Any], count: int) -> dict[str, Any]:
    """``payload`` resent by Alertmanager with ``count`` more firing alerts in its group."""
    grown = copy.deepcopy(payload)
    template = grown["alerts"][0]
    for n in range(count):
        alert = copy.deepcopy(template)
        alert["labels"]["instance"] = f"checkout-storm-{n}:8080"
        alert["fingerprint"] = f"{0xC0FFEE00 + n:016x}"
        grown["alerts"].append(alert)
    return grown


def test_an_alert_storm_redraws_the_card_a_few_times_and_ends_on_the_last_state(
    bot: Bot, webhooks: Webhooks
) -> None:
    first = fixture("alertmanager-firing-v4.json")
    channel = open_checkout_incident(bot, webhooks)
    card = bot.card(channel.id)
    eventually(lambda: processed(bot), what="the first payload processed")
    eventually(lambda: "*Alerts* 2 firing" in bot.card(channel.id).all_text, what="2 firing")

    def redraws() -> int:
        return sum(c.params["ts"] == card.ts for c in bot.slack.state.calls("chat.update"))

    before = redraws()
    started = time.monotonic()
    for n in range(1, BURST + 1):
        assert webhooks.post("alertmanager", with_more_alerts(first, n)).status_code == 200
        time.sleep(PACE)
    final = f"*Alerts* {2 + BURST} firing · 0 resolved"
    eventually(lambda: final in bot.card(channel.id).all_text, what=final)
    elapsed = time.monotonic() - started

    # At most about one redraw per window while the storm lasts, and one for its end.
    bound = int(elapsed / CARD_WINDOW.total_seconds()) + 2
    assert 1 <= redraws() - before <= min(bound, BURST - 1)
    time.sleep(CARD_WINDOW.total_seconds() * 2)  # nothing left to draw once it shows the end
    assert final in bot.card(channel.id).all_text
