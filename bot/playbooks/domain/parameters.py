"""An automated step's parameters against the catalogue: when the file loads, and once rendered.

Loading checks what is written: known names, types, choices (for literal values), the required
ones, and the combinations the catalogue cannot express (a provider that needs another
parameter, two parameters that exclude each other). Templates only show their value when a step
is rendered for an incident, so ``rendered_problems`` checks again then: a needed value that came
out empty, or a value outside its choices.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.kernel.suggest import did_you_mean
from bot.playbooks.domain.catalogue import CATALOGUE, ActionSpec, Param
from bot.playbooks.domain.problems import Loc, Problem, TemplateText, is_list, join, kind

_TEMPLATE_MARK = re.compile(r"{{|{%")

# A literal value of the parameter on the left makes the parameters on the right necessary.
_REQUIRED_WHEN: dict[tuple[str, str, str], tuple[str, ...]] = {
    ("feature_flag.disable", "provider", "launchdarkly"): ("environment",),
    ("feature_flag.disable", "provider", "unleash"): ("environment",),
    ("feature_flag.disable", "provider", "flagsmith"): ("environment",),
    ("feature_flag.disable", "provider", "http"): ("url",),
}

# Parameters of one action that contradict each other when given together.
_EXCLUSIVE: dict[str, tuple[str, str]] = {"http.request": ("body", "json")}


@dataclass
class CheckedParams:
    params: dict[str, Any] = field(default_factory=dict)  # the valid ones, as plain data
    problems: list[Problem] = field(default_factory=list)
    templates: list[TemplateText] = field(default_factory=list)


def check_params(
    action: ActionSpec, raw: Mapping[Any, Any], where: Loc, missing_at: Loc
) -> CheckedParams:
    """``raw`` (the step's ``params``, at ``where``) checked against ``action``; a missing
    parameter is reported at ``missing_at`` (the ``action:`` line when there is no ``params:``)."""
    checked = CheckedParams()
    for key, value in raw.items():
        spec = action.params.get(key) if isinstance(key, str) else None
        if spec is None:
            checked.problems.append(
                Problem(
                    (*where, key),
                    f"unknown parameter {key!r} for {action.name}",
                    join(
                        did_you_mean(str(key), action.params),
                        f"{action.name} takes: {', '.join(action.params)}",
                    ),
                )
            )
        elif _valid(value, spec, (*where, key), checked):
            checked.params[key] = _plain(_as_text(value) if spec.type is str else value)
    for key, spec in action.params.items():
        if spec.required and key not in raw:
            checked.problems.append(
                Problem(
                    missing_at,
                    f"{action.name} needs the parameter {key!r}",
                    join(f"add '{key}:' under params", spec.help or _type_name(spec)),
                )
            )
    checked.problems.extend(_combinations(action, raw, where))
    return checked


def rendered_problems(action: str, params: Mapping[str, Any]) -> list[Problem]:
    """What is wrong with an automated step's parameters once their templates are filled in
    (which loading cannot know): a needed text that came out empty (``{{ incident.service }}`` on
    an incident without one), or a value outside its choices."""
    spec = CATALOGUE[action]
    needed = {name for name, param in spec.params.items() if param.required}
    for (name, key, value), extra in _REQUIRED_WHEN.items():
        if name == action and params.get(key) == value:
            needed.update(extra)
    problems: list[Problem] = []
    for name, value in params.items():
        param = spec.params.get(name)
        if param is None or not isinstance(value, str):
            continue
        if name in needed and not value.strip():
            problems.append(
                Problem(
                    ("params", name),
                    "came out empty for this incident",
                    "the incident lacks what the template uses (its service, an alert label): "
                    "set the service with the incident, or a value in the playbook's vars",
                )
            )
        elif param.choices and value not in param.choices:
            problems.append(
                Problem(
                    ("params", name),
                    f"{value!r} is not one of {', '.join(param.choices)}",
                    "fix the template or the variable it uses",
                )
            )
    return problems


def _valid(value: object, spec: Param, loc: Loc, checked: CheckedParams) -> bool:
    """Whether ``value`` fits ``spec`` (numbers are accepted as text); records its templates."""
    if spec.type is str:
        value = _as_text(value)
    if not _has_type(value, spec.type):
        checked.problems.append(
            Problem(
                loc,
                f"expected {_type_name(spec)}, found {kind(value)}",
                join(f"write {_type_name(spec)}" + _unquoted(value, spec), spec.help),
            )
        )
        return False
    literal = isinstance(value, str) and not _TEMPLATE_MARK.search(value)
    if literal and spec.choices and value not in spec.choices:
        checked.problems.append(
            Problem(
                loc,
                f"{value!r} is not one of {', '.join(spec.choices)}",
                did_you_mean(str(value), spec.choices) or f"use one of {', '.join(spec.choices)}",
            )
        )
        return False
    _collect_templates(value, loc, checked.templates)
    return True


def _combinations(action: ActionSpec, raw: Mapping[Any, Any], where: Loc) -> list[Problem]:
    problems: list[Problem] = []
    for (name, key, value), needed in _REQUIRED_WHEN.items():
        if name != action.name or raw.get(key) != value:
            continue
        problems.extend(
            Problem(
                (*where, key),
                f"{key} {value} needs the parameter {missing!r}",
                join(f"add '{missing}:' under params", action.params[missing].help),
            )
            for missing in needed
            if missing not in raw
        )
    exclusive = _EXCLUSIVE.get(action.name)
    if exclusive is not None and all(key in raw for key in exclusive):
        first, second = exclusive
        problems.append(
            Problem(
                (*where, second),
                f"{action.name} takes '{first}' or '{second}', not both",
                f"keep '{second}' for a JSON body or '{first}' for text",
            )
        )
    return problems


def _collect_templates(value: object, loc: Loc, templates: list[TemplateText]) -> None:
    """Every string in ``value`` (also inside mappings and lists) is rendered: check them all."""
    if isinstance(value, str):
        templates.append(TemplateText(loc, value))
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _collect_templates(item, (*loc, key), templates)
    elif is_list(value):
        for index, item in enumerate(value):
            _collect_templates(item, (*loc, index), templates)


def _as_text(value: object) -> object:
    """A number where text is expected (``replicas: 6``) is meant as that text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def _has_type(value: object, wanted: type) -> bool:
    if wanted is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if wanted is dict:
        return isinstance(value, Mapping) and all(isinstance(k, str) for k in value)
    return isinstance(value, wanted)


def _plain(value: object) -> object:
    """``value`` with plain dicts and lists, whatever mapping and sequence types the reader used."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if is_list(value):
        return [_plain(item) for item in value]
    return value


def _unquoted(value: object, spec: Param) -> str:
    """`` without quotes`` when the value is the right thing written as text (``"20"``)."""
    if spec.type is int and isinstance(value, str) and value.strip().isdigit():
        return " without quotes"
    if spec.type is bool and isinstance(value, str) and value.lower() in {"true", "false"}:
        return " without quotes"
    return ""


def _type_name(spec: Param) -> str:
    return {str: "text", int: "a whole number", bool: "true or false", dict: "a mapping"}.get(
        spec.type, spec.type.__name__
    )
