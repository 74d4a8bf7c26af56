"""Filling a step in for an incident: variables, defaults, and templates that cannot be filled."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.playbooks import PlaybookLibrary, RenderError, variables
from bot.playbooks.domain.model import Link
from tests.playbooks.helpers import FLAG_PLAYBOOK, incident, write


@pytest.fixture
def library(tmp_path: Path) -> PlaybookLibrary:
    write(tmp_path, "flag.yaml", FLAG_PLAYBOOK)
    write(
        tmp_path,
        "scale.yaml",
        """\
        vars:
          namespace: "{{ alert.labels.namespace | default('production') }}"
          deployment: "{{ alert.labels.deployment | default(incident.service) }}"
          target: "{{ namespace }}/{{ deployment }}"
        steps:
          - id: scale
            instructions: |
              Scaling {{ target }} for incident #{{ incident.number }} ({{ incident.severity }},
              {{ incident.status }}), lead <@{{ incident.lead }}> in <#{{ incident.channel }}>.
            action: kubernetes.scale
            params:
              deployment: "{{ deployment }}"
              replicas: x2
          - id: post
            action: http.request
            params:
              url: https://status.example.com/{{ playbook.name }}
              method: "{{ alert.labels.method | default('POST') }}"
              json:
                title: "{{ incident.title }}"
                tags: ["{{ incident.service }}", sev]
                count: 3
        """,
    )
    return PlaybookLibrary.load(tmp_path)


def test_the_variables_describe_the_incident(library: PlaybookLibrary) -> None:
    playbook = library.get("flag")
    context = variables(playbook, incident(), "C042", {"team": "payments"})
    assert context == {
        "incident": {
            "number": 42,
            "title": "Checkout errors",
            "severity": "SEV2",
            "status": "investigating",
            "service": "checkout-api",
            "channel": "C042",
            "lead": "U0LEAD",
            "url": "https://slack.com/app_redirect?channel=C042",
        },
        "playbook": {"name": "flag", "title": "Turn off a flag"},
        "alert": {"labels": {"team": "payments"}},
        "flag": "new-checkout-flow",
    }


def test_a_manual_step_is_filled_in(library: PlaybookLibrary) -> None:
    playbook = library.get("flag")
    rendered = library.render(
        playbook, playbook.step("check"), variables(playbook, incident(), "C1")
    )
    assert rendered.instructions == "Look at checkout-api for new-checkout-flow."
    assert rendered.links == (Link("Dashboard", "https://grafana.example.com/d/checkout-api"),)
    assert rendered.params == {}


def test_parameters_are_filled_in_and_defaults_added(library: PlaybookLibrary) -> None:
    playbook = library.get("flag")
    rendered = library.render(
        playbook, playbook.step("disable"), variables(playbook, incident(), "C1")
    )
    assert rendered.params == {
        "provider": "launchdarkly",
        "flag": "new-checkout-flow",
        "environment": "production",
        "project": "default",
    }


def test_a_value_given_for_a_variable_replaces_its_default(library: PlaybookLibrary) -> None:
    playbook = library.get("flag")
    context = {**variables(playbook, incident(), "C1"), "flag": "legacy-{{ incident.number }}"}
    rendered = library.render(playbook, playbook.step("disable"), context)
    assert rendered.params["flag"] == "legacy-42"


def test_variables_use_alert_labels_and_the_variables_above_them(
    library: PlaybookLibrary,
) -> None:
    playbook = library.get("scale")
    labels = {"namespace": "shop", "deployment": "checkout-web"}
    rendered = library.render(
        playbook, playbook.step("scale"), variables(playbook, incident(), "C042", labels)
    )
    assert rendered.instructions == (
        "Scaling shop/checkout-web for incident #42 (SEV2,\n"
        "investigating), lead <@U0LEAD> in <#C042>."
    )
    assert rendered.params == {
        "deployment": "checkout-web",
        "namespace": "default",
        "replicas": "x2",
    }


def test_nested_parameters_are_rendered_and_other_values_kept(library: PlaybookLibrary) -> None:
    playbook = library.get("scale")
    rendered = library.render(
        playbook, playbook.step("post"), variables(playbook, incident(), "C1")
    )
    assert rendered.params == {
        "url": "https://status.example.com/scale",
        "method": "POST",
        "headers": {},
        "json": {"title": "Checkout errors", "tags": ["checkout-api", "sev"], "count": 3},
    }


def test_a_needed_parameter_that_comes_out_empty_is_refused(library: PlaybookLibrary) -> None:
    playbook = library.get("scale")
    no_service = variables(playbook, incident(service=None), "C1")
    with pytest.raises(RenderError) as refused:
        library.render(playbook, playbook.step("scale"), no_service)
    assert refused.value.message == (
        "playbook `scale`, step `scale`, params.deployment: came out empty for this incident "
        "(hint: the incident lacks what the template uses (its service, an alert label): set "
        "the service with the incident, or a value in the playbook's vars)"
    )


def test_a_rendered_value_outside_the_choices_is_refused(library: PlaybookLibrary) -> None:
    playbook = library.get("scale")
    context = variables(playbook, incident(), "C1", {"method": "FETCH"})
    with pytest.raises(RenderError, match=r"params\.method: 'FETCH' is not one of GET, POST"):
        library.render(playbook, playbook.step("post"), context)


def test_an_undefined_variable_fails_clearly(library: PlaybookLibrary) -> None:
    """Strict: a label the alert does not carry is an error, never an empty string."""
    playbook = library.get("flag")
    context = {**variables(playbook, incident(), "C1"), "flag": "{{ alert.labels.flag }}"}
    with pytest.raises(RenderError) as failed:
        library.render(playbook, playbook.step("disable"), context)
    assert failed.value.message == (
        "playbook `flag`, vars.flag: cannot fill in the template: 'dict object' has no "
        "attribute 'flag' (hint: give it a default, e.g. "
        "`{{ alert.labels.env | default('production') }}`)"
    )


def test_the_sandbox_refuses_unsafe_templates(library: PlaybookLibrary) -> None:
    playbook = library.get("flag")
    context = {
        **variables(playbook, incident(), "C1"),
        "flag": "{{ incident.__class__.__mro__ }}",
    }
    with pytest.raises(RenderError, match=r"vars\.flag: cannot fill in the template: access to "):
        library.render(playbook, playbook.step("disable"), context)


def test_a_missing_service_renders_as_nothing_in_text(library: PlaybookLibrary) -> None:
    playbook = library.get("flag")
    rendered = library.render(
        playbook, playbook.step("check"), variables(playbook, incident(service=None), None)
    )
    assert rendered.instructions == "Look at  for new-checkout-flow."
