"""When a playbook applies to an incident, and finding its steps."""

from __future__ import annotations

import pytest

from bot.incidents.domain.severity import Severity
from bot.playbooks.domain.model import Playbook, Step

MANUAL = Step(id="check", title="Check", instructions="Look at the dashboard")
AUTOMATED = Step(id="disable", title="Disable", action="feature_flag.disable", params={"flag": "x"})


def playbook(
    services: tuple[str, ...] = (),
    severities: frozenset[Severity] = frozenset(),
    labels: dict[str, str] | None = None,
) -> Playbook:
    return Playbook(
        name="p",
        title="P",
        services=services,
        severities=severities,
        labels=labels or {},
        steps=(MANUAL, AUTOMATED),
    )


def test_a_playbook_without_conditions_applies_to_every_incident() -> None:
    assert playbook().applies_to(None, Severity.SEV4)
    assert playbook().applies_to("checkout-api", Severity.SEV1, {"team": "payments"})


def test_services_and_severities_must_both_match() -> None:
    chosen = playbook(
        services=("checkout-api",), severities=frozenset({Severity.SEV1, Severity.SEV2})
    )
    assert chosen.applies_to("checkout-api", Severity.SEV2)
    assert not chosen.applies_to("checkout-api", Severity.SEV3)
    assert not chosen.applies_to("payment-gateway", Severity.SEV1)
    assert not chosen.applies_to(None, Severity.SEV1)


def test_every_label_must_be_on_the_alert_with_the_same_value() -> None:
    chosen = playbook(labels={"team": "payments", "alertname": "HighErrorRate"})
    assert chosen.applies_to(
        None, Severity.SEV3, {"team": "payments", "alertname": "HighErrorRate", "pod": "a"}
    )
    assert not chosen.applies_to(None, Severity.SEV3, {"team": "payments"})
    assert not chosen.applies_to(
        None, Severity.SEV3, {"team": "search", "alertname": "HighErrorRate"}
    )
    assert not chosen.applies_to(None, Severity.SEV3)


def test_steps_are_found_by_id_and_know_whether_they_are_automated() -> None:
    assert playbook().step("disable") is AUTOMATED
    assert AUTOMATED.automated
    assert not MANUAL.automated
    with pytest.raises(KeyError, match="playbook 'p' has no step 'nope'"):
        playbook().step("nope")
