"""Reading an action's rendered parameters, with errors that name the action and parameter.

Playbook validation checks parameters against the catalogue before anything runs; these checks
catch what only rendering reveals (a template that rendered empty, a number that is not one).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.playbooks.actions.base import ActionError


def _bad(action: str, name: str, problem: str) -> ActionError:
    return ActionError(f"{action}: parameter `{name}` {problem}.", retryable=False)


def text(params: Mapping[str, Any], action: str, name: str, default: str = "") -> str:
    """The parameter as stripped text (numbers are accepted as text); ``default`` when unset."""
    value = params.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _bad(action, name, f"must be text, not {type(value).__name__}")
    return str(value).strip() or default


def required_text(params: Mapping[str, Any], action: str, name: str) -> str:
    value = text(params, action, name)
    if not value:
        raise _bad(action, name, "is required and was empty")
    return value


def optional_int(params: Mapping[str, Any], action: str, name: str) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise _bad(action, name, "must be a whole number")
    try:
        return int(str(value).strip())
    except ValueError:
        raise _bad(action, name, f"must be a whole number, not {value!r}") from None


def mapping(params: Mapping[str, Any], action: str, name: str) -> Mapping[str, Any]:
    value = params.get(name)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _bad(action, name, f"must be a mapping, not {type(value).__name__}")
    return value
