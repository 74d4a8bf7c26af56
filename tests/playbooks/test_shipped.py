"""The playbooks shipped in ``playbooks/`` are valid, fill in for real incidents, and the example
config's services name them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import check_config, load_config
from bot.incidents.domain.severity import Severity
from bot.playbooks import PlaybookLibrary, RenderError, variables
from tests.playbooks.helpers import incident

REPO = Path(__file__).resolve().parents[2]
SHIPPED = ("database-failover", "feature-flag-disable", "scale-up", "sev1-general")


@pytest.fixture(scope="module")
def library() -> PlaybookLibrary:
    return PlaybookLibrary.load(REPO / "playbooks")


def test_the_shipped_playbooks_are_valid(library: PlaybookLibrary) -> None:
    assert library.all_errors == []
    assert library.warnings == []
    assert tuple(library.playbooks) == SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_every_step_fills_in_for_an_incident(library: PlaybookLibrary, name: str) -> None:
    playbook = library.get(name)
    context = variables(playbook, incident(severity=Severity.SEV1), "C042", {})
    for step in playbook.steps:
        rendered = library.render(playbook, step, context)
        assert "{{" not in rendered.instructions
        assert rendered.instructions.strip(), f"{name}/{step.id} tells people what to do"
        assert all(link.url.startswith("https://") for link in rendered.links)


def test_the_automated_steps_do_what_their_titles_say(library: PlaybookLibrary) -> None:
    def params(name: str, step: str, labels: dict[str, str]) -> dict[str, object]:
        playbook = library.get(name)
        context = variables(playbook, incident(severity=Severity.SEV1), "C042", labels)
        return library.render(playbook, playbook.step(step), context).params

    assert params("feature-flag-disable", "disable-flag", {}) == {
        "provider": "launchdarkly",
        "flag": "new-checkout-flow",
        "environment": "production",
        "project": "default",
    }
    assert (
        params(
            "feature-flag-disable", "disable-flag", {"feature_flag": "dark-mode", "env": "staging"}
        )["flag"]
        == "dark-mode"
    )
    assert params("scale-up", "scale", {}) == {
        "deployment": "checkout-api",
        "namespace": "production",
        "replicas": "x2",
        "max_replicas": 20,
    }
    assert (
        params("scale-up", "scale", {"deployment": "checkout-web", "namespace": "shop"})[
            "deployment"
        ]
        == "checkout-web"
    )
    status = params("sev1-general", "status-page", {})
    assert status["method"] == "POST"
    assert status["auth_env"] == "STATUS_PAGE_TOKEN"
    assert status["json"] == {
        "name": "Checkout errors",
        "status": "investigating",
        "impact": "critical",
        "body": "We are investigating a problem affecting checkout-api. Next update within 30 "
        "minutes.",
    }


def test_scale_up_refuses_to_guess_a_deployment(library: PlaybookLibrary) -> None:
    playbook = library.get("scale-up")
    context = variables(playbook, incident(service=None), "C042", {})
    with pytest.raises(RenderError, match=r"step `scale`, params\.deployment: came out empty"):
        library.render(playbook, playbook.step("scale"), context)


def test_sev1_general_applies_to_every_sev1_only(library: PlaybookLibrary) -> None:
    names = [p.name for p in library.applicable(None, Severity.SEV1)]
    assert "sev1-general" in names
    assert "sev1-general" not in [p.name for p in library.applicable(None, Severity.SEV2)]


def test_the_example_services_name_shipped_playbooks(library: PlaybookLibrary) -> None:
    config_dir = REPO / "config"
    assert check_config(config_dir, playbooks=library.playbooks) == []
    checkout = load_config(config_dir).service("checkout-api")
    assert checkout is not None
    offered = library.applicable("checkout-api", Severity.SEV2, listed=checkout.playbooks)
    assert [p.name for p in offered] == ["feature-flag-disable", "scale-up", "database-failover"]
