"""Jinja2 for playbook text and parameters: checked when a file loads, rendered when a step runs.

Templates come from files reviewed like code, but they are still run in Jinja2's sandbox (no
attribute tricks) with ``StrictUndefined``, so a missing variable fails loudly instead of sending
an empty flag key to a provider. ``None`` renders as nothing (an incident without a service).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jinja2 import (
    StrictUndefined,
    Template,
    TemplateError,
    TemplateSyntaxError,
    UndefinedError,
    meta,
    nodes,
)
from jinja2.sandbox import SandboxedEnvironment

from bot.kernel.suggest import did_you_mean
from bot.playbooks.domain.variables import FIELDS


class RenderError(ValueError):
    """A template could not be filled in; ``message`` says which and why, for the channel."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _blank_none(value: object) -> object:
    return "" if value is None else value


_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, finalize=_blank_none)
# Without Jinja2's globals (range, dict, namespace, ...) every name a template uses is one we
# provide, so ``meta.find_undeclared_variables`` catches them all (it skips globals), and a
# playbook variable called ``namespace`` means that variable everywhere.
_ENV.globals.clear()


def template_problems(text: str, names: frozenset[str]) -> list[tuple[str, str]]:
    """``(message, hint)`` for a syntax error, an unknown variable, or an unknown field of a known
    one (``incident.titel``); empty when ``text`` renders with ``names`` defined."""
    try:
        tree = _ENV.parse(text)
    except TemplateSyntaxError as error:
        return [
            (
                f"template syntax error: {error.message}",
                "pair every {{ with }} and {% with %}; write a literal {{ as {{ '{{' }}",
            )
        ]
    problems = [
        (
            f"unknown template variable {name!r}",
            "; ".join(
                part
                for part in (
                    did_you_mean(name, names),
                    f"templates can use {', '.join(sorted(names))}",
                )
                if part
            ),
        )
        for name in sorted(meta.find_undeclared_variables(tree) - names)
    ]
    return problems + _unknown_fields(tree, names)


def _unknown_fields(tree: nodes.Template, names: frozenset[str]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    accesses = [(node.node, node.attr) for node in tree.find_all(nodes.Getattr)] + [
        (node.node, _constant(node.arg)) for node in tree.find_all(nodes.Getitem)
    ]
    for root, attr in accesses:
        if not isinstance(root, nodes.Name) or root.name not in FIELDS or root.name not in names:
            continue
        known = FIELDS[root.name]
        if attr is not None and attr not in known:
            problems.append(
                (
                    f"unknown template variable '{root.name}.{attr}'",
                    "; ".join(
                        part
                        for part in (
                            did_you_mean(attr, known),
                            f"{root.name} has {', '.join(sorted(known))}",
                        )
                        if part
                    ),
                )
            )
    return problems


def _constant(node: nodes.Expr) -> str | None:
    return node.value if isinstance(node, nodes.Const) and isinstance(node.value, str) else None


@lru_cache(maxsize=1024)
def _compiled(text: str) -> Template:
    return _ENV.from_string(text)


def render_text(text: str, variables: Mapping[str, Any], where: str) -> str:
    """``text`` filled in from ``variables``; ``RenderError`` naming ``where`` when it cannot be."""
    try:
        return _compiled(text).render(variables)
    except UndefinedError as error:
        raise RenderError(
            f"{where}: cannot fill in the template: {error.message} (hint: give it a default, "
            "e.g. `{{ alert.labels.env | default('production') }}`)"
        ) from error
    # Expressions can still fail on values (``{{ incident.number / 0 }}``, a sandbox refusal).
    except (TemplateError, ArithmeticError, LookupError, TypeError, ValueError) as error:
        raise RenderError(f"{where}: cannot fill in the template: {error}") from error


def render_value(value: object, variables: Mapping[str, Any], where: str) -> Any:
    """Strings are templates; mappings and lists are rendered item by item; others unchanged."""
    if isinstance(value, str):
        return render_text(value, variables, where)
    if isinstance(value, Mapping):
        return {key: render_value(item, variables, f"{where}.{key}") for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [render_value(item, variables, f"{where}[{i}]") for i, item in enumerate(value)]
    return value
