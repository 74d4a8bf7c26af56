"""The typed fields of a playbook file (text, templates, names, severities, labels) for ``schema``.

Each field words its own errors for the playbook author (``expected text, found a list``) rather
than pydantic's way: a validator raises ``invalid`` or ``rejected``, a ``PydanticCustomError``
carrying ``Problem``s placed from where it runs, which ``schema.problems_of`` places in the file.
Templates are checked (Jinja2) as they are read, against ``Reading.variables``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, cast

from pydantic import AfterValidator, BeforeValidator, ValidationInfo
from pydantic_core import PydanticCustomError

from bot.incidents.domain.severity import Severity
from bot.playbooks.domain.problems import Loc, Problem, is_list, kind
from bot.playbooks.domain.variables import TEMPLATE_ROOTS
from bot.playbooks.templating import template_problems


@dataclass
class Reading:
    """The validation context: the file's name, and the variables ``vars:`` declares once read."""

    stem: str
    variables: frozenset[str] = frozenset()


def reading(info: ValidationInfo) -> Reading:
    return cast(Reading, info.context)  # schema.parse_playbook always passes one


def invalid(
    message: str, hint: str = "", at: Loc = (), from_owner: bool = False
) -> PydanticCustomError:
    """One problem, ``at`` a path below where the validator raising it runs (see ``rejected``)."""
    return rejected([Problem(at, message, hint)], from_owner)


def rejected(problems: Sequence[Problem], from_owner: bool = False) -> PydanticCustomError:
    """Several problems found by one validator, reported as one pydantic error; ``from_owner``:
    placed from the model that holds the field being validated rather than from the field."""
    context = {"message": problems[0].message, "problems": tuple(problems), "owner": from_owner}
    return PydanticCustomError("playbook", "{message}", context)


def templates_at(at: Loc, text: str, info: ValidationInfo) -> list[Problem]:
    """What is wrong with the template ``text`` (at ``at``), which may use the declared vars."""
    names = TEMPLATE_ROOTS | reading(info).variables
    return [Problem(at, message, hint) for message, hint in template_problems(text, names)]


def mapping(value: object, info: ValidationInfo) -> object:
    """A mapping, or nothing (read as an empty one)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        hint = (
            "e.g. labels: {team: payments}"
            if info.field_name == "labels"
            else f"indent the {info.field_name}"
        )
        raise invalid(f"expected a mapping, found {kind(value)}", hint)
    return value


def _text(value: object) -> str:
    """Text as written; a number is meant as text (``title: 2024``) and nothing as empty."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise invalid(f"expected text, found {kind(value)}", "quote it")
    return value


def _stripped(text: str) -> str:
    return text.strip()


def _template(text: str, info: ValidationInfo) -> str:
    problems = templates_at((), text, info)
    if problems:
        raise rejected(problems)
    return text


def _names(value: object, info: ValidationInfo) -> object:
    if value is None:
        return ()
    if not is_list(value):
        raise invalid(
            f"expected a list, found {kind(value)}", f"write {info.field_name}: [first, second]"
        )
    return value


def _name(value: object) -> str:
    if isinstance(value, str) and value:
        return value
    raise invalid(f"expected a name, found {kind(value)}")


def _severity(value: object) -> Severity:
    word = _name(value)
    try:
        return Severity.parse(word)
    except ValueError:
        raise invalid(f"unknown severity {word!r}", "use sev1, sev2, sev3 or sev4") from None


def _label_value(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise invalid(f"expected text, found {kind(value)}", "quote the label's value")
    return str(value)


Text = Annotated[str, AfterValidator(_stripped), BeforeValidator(_text)]
Template = Annotated[
    str, AfterValidator(_template), AfterValidator(_stripped), BeforeValidator(_text)
]
Names = Annotated[tuple[Annotated[str, BeforeValidator(_name)], ...], BeforeValidator(_names)]
Severities = Annotated[
    tuple[Annotated[Severity, BeforeValidator(_severity)], ...], BeforeValidator(_names)
]
Labels = Annotated[
    dict[Annotated[str, BeforeValidator(str)], Annotated[str, BeforeValidator(_label_value)]],
    BeforeValidator(mapping),
]
