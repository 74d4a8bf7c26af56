"""Every mistake a playbook author can make: the file, line, field, message and hint they see."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.playbooks.domain.catalogue import CATALOGUE
from bot.playbooks.domain.model import Link
from bot.playbooks.loader import load_file
from tests.playbooks.helpers import FLAG_PLAYBOOK, write


def help_of(action: str, parameter: str) -> str:
    """The catalogue's help for a parameter, which hints quote (its wording is not ours)."""
    return CATALOGUE[action].params[parameter].help


def errors(tmp_path: Path, text: str, name: str = "p.yaml") -> list[str]:
    """What ``warroom playbooks check`` prints for a file ``name`` holding ``text``, without the
    folder (so expectations read ``p.yaml:3: ...``)."""
    playbook, found = load_file(write(tmp_path, name, text))
    assert (playbook is None) == bool(found), "a file with errors must not load, and vice versa"
    return [str(error).removeprefix(f"{tmp_path}/") for error in found]


def test_a_valid_file_loads_with_defaults_filled_in(tmp_path: Path) -> None:
    playbook, found = load_file(write(tmp_path, "feature-flag.yaml", FLAG_PLAYBOOK))
    assert found == []
    assert playbook is not None
    assert playbook.name == "feature-flag"
    assert playbook.source == str(tmp_path / "feature-flag.yaml")
    assert [step.id for step in playbook.steps] == ["check", "disable"]
    assert playbook.step("check").links == (
        Link("Dashboard", "https://grafana.example.com/d/{{ incident.service }}"),
    )
    assert playbook.step("disable").params == {
        "provider": "launchdarkly",
        "flag": "{{ flag }}",
        "environment": "production",
    }
    assert playbook.vars == {"flag": "new-checkout-flow"}


def test_titles_default_to_the_names(tmp_path: Path) -> None:
    text = """\
        steps:
          - id: confirm-blast_radius
            instructions: Check it.
    """
    playbook, _ = load_file(write(tmp_path, "db-failover.yaml", text))
    assert playbook is not None
    assert playbook.title == "Db failover"
    assert playbook.steps[0].title == "Confirm blast radius"


def test_yaml_syntax_error(tmp_path: Path) -> None:
    text = """\
        steps:
          - id: check
            instructions: "unterminated
    """
    assert errors(tmp_path, text) == [
        "p.yaml:4: invalid YAML: found unexpected end of stream (hint: check indentation and "
        "quoting)"
    ]


def test_a_list_as_a_key_is_a_yaml_error_not_a_crash(tmp_path: Path) -> None:
    assert errors(tmp_path, "? [a, b]\n: c\n") == [
        "p.yaml:1: invalid YAML: a key must be plain text, not a list or mapping (hint: check "
        "indentation and quoting)"
    ]


def test_empty_file_and_wrong_shape(tmp_path: Path) -> None:
    assert errors(tmp_path, "# nothing yet\n") == [
        "p.yaml: the file is empty (hint: a playbook needs at least 'steps:' (see the docs))"
    ]
    assert errors(tmp_path, "- id: check\n") == [
        "p.yaml:1: expected a mapping of playbook fields, found a list (hint: start the file "
        "with 'name: p' and 'steps:')"
    ]


def test_unknown_top_level_and_step_keys_suggest_the_right_one(tmp_path: Path) -> None:
    text = """\
        titel: Check
        steps:
          - id: check
            instructons: Look.
            instructions: Look.
    """
    assert errors(tmp_path, text) == [
        "p.yaml:1: titel: unknown field 'titel' in a playbook (hint: did you mean 'title'?; "
        "fields are: name, title, description, when, vars, steps)",
        "p.yaml:4: steps[0].instructons: unknown field 'instructons' in a step (hint: did you "
        "mean 'instructions'?; fields are: id, title, instructions, links, action, params)",
    ]


def test_missing_steps(tmp_path: Path) -> None:
    assert errors(tmp_path, "title: Nothing to do\n") == [
        "p.yaml:1: a playbook needs steps (hint: add 'steps:' with a list of steps, each with "
        "'id:' and 'instructions:' or 'action:')"
    ]
    assert errors(tmp_path, "steps: []\n") == [
        "p.yaml:1: steps: expected a non-empty list of steps, found a list (hint: write each "
        "step on its own line starting with '- id: ...')"
    ]


def test_missing_step_id_and_a_bad_one(tmp_path: Path) -> None:
    text = """\
        steps:
          - instructions: Look.
          - id: Check It
            instructions: Look.
    """
    assert errors(tmp_path, text) == [
        "p.yaml:2: steps[0]: a step needs an id (hint: add 'id:' with a short slug, e.g. verify)",
        "p.yaml:3: steps[1].id: 'Check It' is not a step id: use lowercase letters, digits, - "
        "and _ (hint: e.g. id: check-it)",
    ]


def test_the_name_defaults_to_the_file_name_and_must_not_differ(tmp_path: Path) -> None:
    text = """\
        name: scale-payments
        steps:
          - id: check
            instructions: Look.
    """
    assert errors(tmp_path, text, "scale-up.yaml") == [
        "scale-up.yaml:1: name: the name 'scale-payments' differs from the file name 'scale-up' "
        "(hint: rename the file to scale-payments.yaml, or remove 'name:' (it defaults to the "
        "file name))"
    ]


def test_a_file_name_that_cannot_be_typed_in_slack(tmp_path: Path) -> None:
    assert errors(tmp_path, "steps:\n  - id: a\n    instructions: b\n", "Scale Up.yaml") == [
        "Scale Up.yaml:1: 'Scale Up' is not a playbook name: use lowercase letters, digits, - "
        "and _ (hint: rename the file, e.g. to scale-up.yaml)"
    ]


def test_duplicate_step_id(tmp_path: Path) -> None:
    text = """\
        steps:
          - id: check
            instructions: Look.
          - id: verify
            instructions: Look again.
          - id: check
            instructions: Look once more.
    """
    assert errors(tmp_path, text) == [
        "p.yaml:6: steps[2].id: duplicate step id 'check' (step 1 has it too) (hint: give every "
        "step its own id: runs record their progress by step id)"
    ]


def test_too_many_steps_for_one_checklist_message(tmp_path: Path) -> None:
    steps = "".join(f"  - id: step-{n}\n    instructions: Do {n}.\n" for n in range(41))
    assert errors(tmp_path, f"steps:\n{steps}") == [
        "p.yaml:82: steps[40]: 41 steps; a playbook has at most 40 (hint: split it into several "
        "playbooks: its checklist is one Slack message, which holds at most 50 blocks)"
    ]
    assert errors(tmp_path, "steps:\n" + "".join(steps.splitlines(True)[:80])) == []


def test_a_step_with_neither_instructions_nor_action(tmp_path: Path) -> None:
    text = """\
        steps:
          - id: check
            title: Check
    """
    assert errors(tmp_path, text) == [
        "p.yaml:2: steps[0]: step 'check' has neither instructions nor an action (hint: add "
        "'instructions:' (a manual step) or 'action:' (an automated one))"
    ]


def test_parameters_on_a_manual_step(tmp_path: Path) -> None:
    text = """\
        steps:
          - id: check
            instructions: Look.
            params:
              flag: x
    """
    assert errors(tmp_path, text) == [
        "p.yaml:5: steps[0].params: parameters given to a manual step (hint: add 'action:' "
        "(feature_flag.disable, kubernetes.scale, http.request) or remove 'params:')"
    ]


def test_unknown_action_suggests_the_closest(tmp_path: Path) -> None:
    text = """\
        steps:
          - id: disable
            action: feature_flag.disabel
            params:
              flag: x
    """
    assert errors(tmp_path, text) == [
        "p.yaml:3: steps[0].action: unknown action 'feature_flag.disabel' (hint: did you mean "
        "'feature_flag.disable'?; actions are: feature_flag.disable, kubernetes.scale, "
        "http.request)"
    ]


def test_missing_required_parameters(tmp_path: Path) -> None:
    text = """\
        steps:
          - id: scale
            action: kubernetes.scale
            params:
              deployment: checkout-api
          - id: scale-again
            action: kubernetes.scale
    """
    replicas = help_of("kubernetes.scale", "replicas")
    deployment = help_of("kubernetes.scale", "deployment")
    assert errors(tmp_path, text) == [
        "p.yaml:5: steps[0].params: kubernetes.scale needs the parameter 'replicas' (hint: add "
        f"'replicas:' under params; {replicas})",
        "p.yaml:7: steps[1].action: kubernetes.scale needs the parameter 'deployment' (hint: add "
        f"'deployment:' under params; {deployment})",
        "p.yaml:7: steps[1].action: kubernetes.scale needs the parameter 'replicas' (hint: add "
        f"'replicas:' under params; {replicas})",
    ]


def test_a_provider_that_needs_another_parameter(tmp_path: Path) -> None:
    text = """\
        steps:
          - id: disable
            action: feature_flag.disable
            params:
              provider: unleash
              flag: new-checkout
    """
    assert errors(tmp_path, text) == [
        "p.yaml:5: steps[0].params.provider: provider unleash needs the parameter 'environment' "
        "(hint: add 'environment:' under params; "
        f"{help_of('feature_flag.disable', 'environment')})"
    ]


def test_parameters_of_the_wrong_type(tmp_path: Path) -> None:
    text = """\
        steps:
          - id: scale
            action: kubernetes.scale
            params:
              deployment: [checkout-api]
              replicas: 6
              max_replicas: "20"
          - id: call
            action: http.request
            params:
              url: https://status.example.com
              headers: Authorization
    """
    assert errors(tmp_path, text) == [
        "p.yaml:5: steps[0].params.deployment: expected text, found a list (hint: write text; "
        f"{help_of('kubernetes.scale', 'deployment')})",
        "p.yaml:7: steps[0].params.max_replicas: expected a whole number, found text '20' (hint: "
        f"write a whole number without quotes; {help_of('kubernetes.scale', 'max_replicas')})",
        "p.yaml:12: steps[1].params.headers: expected a mapping, found text 'Authorization' "
        "(hint: write a mapping)",
    ]


def test_a_number_is_accepted_where_text_is_expected(tmp_path: Path) -> None:
    text = """\
        steps:
          - id: scale
            action: kubernetes.scale
            params:
              deployment: checkout-api
              replicas: 6
    """
    playbook, found = load_file(write(tmp_path, "p.yaml", text))
    assert found == []
    assert playbook is not None
    assert playbook.step("scale").params["replicas"] == "6"


def test_a_value_outside_the_choices(tmp_path: Path) -> None:
    text = """\
        steps:
          - id: disable
            action: feature_flag.disable
            params:
              provider: launchdarkley
              flag: new-checkout
              environment: production
    """
    assert errors(tmp_path, text) == [
        "p.yaml:5: steps[0].params.provider: 'launchdarkley' is not one of launchdarkly, "
        "unleash, flagsmith, http (hint: did you mean 'launchdarkly'?)"
    ]


def test_an_unknown_parameter(tmp_path: Path) -> None:
    text = """\
        steps:
          - id: scale
            action: kubernetes.scale
            params:
              deployment: checkout-api
              replicas: x2
              max_replica: 10
    """
    assert errors(tmp_path, text) == [
        "p.yaml:7: steps[0].params.max_replica: unknown parameter 'max_replica' for "
        "kubernetes.scale (hint: did you mean 'max_replicas'?; kubernetes.scale takes: "
        "deployment, namespace, replicas, max_replicas)"
    ]


def test_templates_referencing_unknown_variables(tmp_path: Path) -> None:
    text = """\
        vars:
          flag: new-checkout
        steps:
          - id: check
            instructions: Check {{ flg }} on {{ incident.servce }} ({{ incident["titel"] }}).
            links:
              - title: Dashboard
                url: https://grafana.example.com/d/{{ service }}
          - id: call
            action: http.request
            params:
              url: https://status.example.com
              json:
                text: "{{ playbook.nam }} / {{ alert.labels.whatever }}"
    """
    assert errors(tmp_path, text) == [
        "p.yaml:5: steps[0].instructions: unknown template variable 'flg' (hint: did you mean "
        "'flag'?; templates can use alert, flag, incident, playbook)",
        "p.yaml:5: steps[0].instructions: unknown template variable 'incident.servce' (hint: did "
        "you mean 'service'?; incident has channel, lead, number, service, severity, status, "
        "title, url)",
        "p.yaml:5: steps[0].instructions: unknown template variable 'incident.titel' (hint: did "
        "you mean 'title'?; incident has channel, lead, number, service, severity, status, title, "
        "url)",
        "p.yaml:8: steps[0].links[0].url: unknown template variable 'service' (hint: templates "
        "can use alert, flag, incident, playbook)",
        "p.yaml:14: steps[1].params.json.text: unknown template variable 'playbook.nam' (hint: "
        "did you mean 'name'?; playbook has name, title)",
    ]


def test_a_variable_may_use_only_the_variables_above_it(tmp_path: Path) -> None:
    text = """\
        vars:
          dashboard: https://grafana.example.com/d/{{ namespace }}
          namespace: "{{ alert.labels.namespace | default('production') }}"
          deployment: "{{ namespace }}-api"
        steps:
          - id: check
            instructions: "{{ dashboard }} {{ deployment }}"
    """
    assert errors(tmp_path, text) == [
        "p.yaml:2: vars.dashboard: unknown template variable 'namespace' (hint: templates can "
        "use alert, incident, playbook)"
    ]


def test_bad_variable_names_and_values(tmp_path: Path) -> None:
    text = """\
        vars:
          incident: mine
          2fast: x
          enabled: true
        steps:
          - id: check
            instructions: Look.
    """
    reserved = (
        "(hint: use letters, digits and _ (not starting with a digit), and not alert, "
        "incident, playbook or a keyword)"
    )
    assert errors(tmp_path, text) == [
        f"p.yaml:2: vars.incident: 'incident' cannot be a variable name {reserved}",
        f"p.yaml:3: vars.2fast: '2fast' cannot be a variable name {reserved}",
        "p.yaml:4: vars.enabled: expected text, found true/false (true) (hint: a variable's "
        "default is text (quote it), e.g. flag: new-checkout-flow)",
    ]


def test_template_syntax_error(tmp_path: Path) -> None:
    text = """\
        steps:
          - id: check
            instructions: Look at {{ incident.service }
    """
    assert errors(tmp_path, text) == [
        "p.yaml:3: steps[0].instructions: template syntax error: unexpected '}' (hint: pair "
        "every {{ with }} and {% with %}; write a literal {{ as {{ '{{' }})"
    ]


def test_unknown_severity_and_bad_conditions(tmp_path: Path) -> None:
    text = """\
        when:
          severities: [sev1, critical]
          services: checkout-api
          labels: [team]
          team: payments
        steps:
          - id: check
            instructions: Look.
    """
    assert errors(tmp_path, text) == [
        "p.yaml:2: when.severities[1]: unknown severity 'critical' (hint: use sev1, sev2, sev3 "
        "or sev4)",
        "p.yaml:3: when.services: expected a list, found text 'checkout-api' (hint: write "
        "services: [first, second])",
        "p.yaml:4: when.labels: expected a mapping, found a list (hint: e.g. labels: {team: "
        "payments})",
        "p.yaml:5: when.team: unknown field 'team' in 'when:' (hint: fields are: services, "
        "severities, labels)",
    ]


def test_bad_links(tmp_path: Path) -> None:
    text = """\
        steps:
          - id: check
            instructions: Look.
            links:
              - https://grafana.example.com
              - title: Dashboard
    """
    hint = "(hint: write links as '- title: Dashboard' and 'url: https://...')"
    assert errors(tmp_path, text) == [
        f"p.yaml:5: steps[0].links[0]: expected a link, found text "
        f"'https://grafana.example.com' {hint}",
        f"p.yaml:6: steps[0].links[1]: a link needs a url {hint}",
    ]


@pytest.mark.parametrize("data", ["just text", "42", "[1, 2]"])
def test_a_step_that_is_not_a_mapping(tmp_path: Path, data: str) -> None:
    found = errors(tmp_path, f"steps:\n  - {data}\n")
    assert len(found) == 1
    assert found[0].startswith("p.yaml:2: steps[0]: expected a step (a mapping), found ")


def test_deep_nesting_is_reported_not_a_crash(tmp_path: Path) -> None:
    assert errors(tmp_path, "steps: " + "[" * 2000) == [
        "p.yaml: lists or mappings nest too deeply (hint: flatten the file)"
    ]


def test_a_request_with_both_a_text_and_a_json_body(tmp_path: Path) -> None:
    text = """\
        steps:
          - id: call
            action: http.request
            params:
              url: https://status.example.com
              body: hello
              json: {text: hello}
    """
    assert errors(tmp_path, text) == [
        "p.yaml:7: steps[0].params.json: http.request takes 'body' or 'json', not both (hint: "
        "keep 'json' for a JSON body or 'body' for text)"
    ]
