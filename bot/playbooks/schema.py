"""The shape of a playbook file, as pydantic models; ``parse_playbook`` builds the ``Playbook``.

Like the config and the alert routes, a file is read by ``yamlsource.load_yaml`` and validated by
pydantic models that forbid unknown fields; ``bot.playbooks.loader`` turns each problem's path
into ``file:line: field: message (hint: ...)``. The wording is the playbook author's: each field
words its own errors (``fields``) and ``problems_of`` words pydantic's own (an unknown field, a
missing one) the same way.

Every problem is reported at once. Rules over several fields hold even while another field is
wrong: a step's are checked with its last field (``params``) from the fields already read, the
steps' (count, distinct ids) on what is written. ``vars`` is read before ``steps`` (pydantic
validates fields in the order they are declared), so templates know the declared variables. A
playbook is built only when there is no problem at all, so a half-valid file never runs.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticKnownError

from bot.kernel.suggest import did_you_mean
from bot.playbooks.domain.catalogue import CATALOGUE
from bot.playbooks.domain.model import Link, Playbook, Step
from bot.playbooks.domain.parameters import check_params
from bot.playbooks.domain.problems import Loc, Problem, is_list, join, kind
from bot.playbooks.domain.variables import TEMPLATE_ROOTS
from bot.playbooks.fields import (
    Labels,
    Names,
    Reading,
    Severities,
    Template,
    Text,
    invalid,
    mapping,
    reading,
    rejected,
    templates_at,
)
from bot.playbooks.templating import template_problems

MAX_STEPS = 40  # what one checklist message shows in full (Slack: at most 50 blocks a message)

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
_STEP_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_STEP_HINT = "each step is a mapping: '- id: ...' then 'instructions:' or 'action:'"
_LINK_HINT = "write links as '- title: Dashboard' and 'url: https://...'"
_NO_STEPS = (
    "a playbook needs steps",
    "add 'steps:' with a list of steps, each with 'id:' and 'instructions:' or 'action:'",
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    what: ClassVar[str]  # names the model in "unknown field 'x' in a step"
    expected: ClassVar[tuple[str, str]] = ("a mapping", "")  # what else it is, and the hint
    # A required field that is missing, worded and reported at the model rather than the field.
    missing: ClassVar[Mapping[str, tuple[str, str]]] = {}

    @model_validator(mode="before")
    @classmethod
    def _a_mapping(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            what, hint = cls.expected
            raise invalid(f"expected {what}, found {kind(data)}", hint)
        return data


class WhenModel(_Model):
    what = "'when:'"

    services: Names = ()
    severities: Severities = ()
    labels: Labels = {}


def _links(value: object) -> object:
    if value is None:
        return ()
    if not is_list(value):
        raise invalid(f"expected a list of links, found {kind(value)}", _LINK_HINT)
    return value


class LinkModel(_Model):
    what = "a link"
    expected = ("a link", _LINK_HINT)

    title: Template = ""
    url: Template = Field("", validate_default=True)

    @field_validator("url")
    @classmethod
    def _given(cls, url: str) -> str:
        if not url:
            raise invalid("a link needs a url", _LINK_HINT, from_owner=True)
        return url

    def link(self) -> Link:
        return Link(title=self.title or self.url, url=self.url)


def _step_id(value: object) -> str:
    if value is None:
        raise PydanticKnownError("missing")  # `id:` left empty: worded as a missing id
    if isinstance(value, str) and _STEP_ID.match(value):
        return value
    raise invalid(
        f"{value!r} is not a step id: use lowercase letters, digits, - and _",
        f"e.g. id: {_slug(str(value))}",
    )


def _action(value: object) -> str:
    if isinstance(value, str) and value in CATALOGUE:
        return value
    raise invalid(
        f"unknown action {value!r}",
        join(did_you_mean(str(value), CATALOGUE), f"actions are: {', '.join(CATALOGUE)}"),
    )


class StepModel(_Model):
    what = "a step"
    expected = ("a step (a mapping)", _STEP_HINT)
    missing = {"id": ("a step needs an id", "add 'id:' with a short slug, e.g. verify")}

    id: Annotated[str, BeforeValidator(_step_id)]
    title: Text = ""
    instructions: Template = ""
    links: Annotated[tuple[LinkModel, ...], BeforeValidator(_links)] = ()
    action: Annotated[str | None, BeforeValidator(_action)] = None  # None: a manual step
    params: Annotated[dict[Any, Any], BeforeValidator(mapping)] = Field({}, validate_default=True)

    @field_validator("params")
    @classmethod
    def _fit_the_step(cls, params: dict[Any, Any], info: ValidationInfo) -> dict[Any, Any]:
        """Rules over the whole step, checked with its last field so that they hold even when
        another field is wrong: a manual step has instructions and no parameters, an automated
        one the parameters its action takes (kept as plain data, a number meant as text as
        text). Problems are placed from the step; an invalid id or action is reported already."""
        if "id" not in info.data or "action" not in info.data:
            return params
        step_id, action = info.data["id"], info.data["action"]
        problems: list[Problem] = []
        if action is None:
            if info.data.get("instructions") == "":
                problems.append(
                    Problem(
                        (),
                        f"step {step_id!r} has neither instructions nor an action",
                        "add 'instructions:' (a manual step) or 'action:' (an automated one)",
                    )
                )
            if params:
                problems.append(
                    Problem(
                        ("params",),
                        "parameters given to a manual step",
                        f"add 'action:' ({', '.join(CATALOGUE)}) or remove 'params:'",
                    )
                )
            if problems:
                raise rejected(problems, from_owner=True)
            return params
        missing_at: Loc = ("params",) if params else ("action",)
        checked = check_params(CATALOGUE[action], params, ("params",), missing_at)
        problems.extend(checked.problems)
        for template in checked.templates:
            problems.extend(templates_at(template.loc, template.text, info))
        if problems:
            raise rejected(problems, from_owner=True)
        return checked.params

    def step(self) -> Step:
        return Step(
            id=self.id,
            title=self.title or humanize(self.id),
            instructions=self.instructions,
            links=tuple(link.link() for link in self.links),
            action=self.action,
            params=self.params,
        )


def _same_as_stem(value: object, info: ValidationInfo) -> object:
    stem = reading(info).stem
    if value is not None and value != stem:
        raise invalid(
            f"the name {value!r} differs from the file name {stem!r}",
            f"rename the file to {value}.yaml, or remove 'name:' (it defaults to the file name)",
        )
    return value


def _vars(value: object, info: ValidationInfo) -> dict[str, str]:
    """Each variable's default is text, and a template that may use the variables above it."""
    declared = mapping(value, info)
    assert isinstance(declared, Mapping)
    variables: dict[str, str] = {}
    problems: list[Problem] = []
    for name, default in declared.items():
        if not isinstance(name, str) or not _VAR_NAME.match(name) or _reserved(name):
            problems.append(
                Problem(
                    (name,),
                    f"{name!r} cannot be a variable name",
                    "use letters, digits and _ (not starting with a digit), and not "
                    f"{', '.join(sorted(TEMPLATE_ROOTS))} or a keyword",
                )
            )
        elif isinstance(default, bool) or not isinstance(default, str | int | float):
            problems.append(
                Problem(
                    (name,),
                    f"expected text, found {kind(default)}",
                    "a variable's default is text (quote it), e.g. flag: new-checkout-flow",
                )
            )
        else:
            names = TEMPLATE_ROOTS | frozenset(variables)
            problems.extend(
                Problem((name,), m, h) for m, h in template_problems(str(default), names)
            )
            variables[name] = str(default)
    reading(info).variables = frozenset(variables)  # what the steps' templates may use
    if problems:
        raise rejected(problems)
    return variables


def _steps(value: object) -> object:
    if value is None:
        raise invalid(*_NO_STEPS)
    if not is_list(value) or not value:
        raise invalid(
            f"expected a non-empty list of steps, found {kind(value)}",
            "write each step on its own line starting with '- id: ...'",
        )
    return value


def _few_and_distinct(
    written: Sequence[Any], validate: ValidatorFunctionWrapHandler
) -> tuple[StepModel, ...]:
    """At most ``MAX_STEPS`` steps, with distinct ids: checked on what is written (a mapping
    with a valid id is a step) so that it holds even while another step is wrong."""
    too_many: list[Problem] = []
    if len(written) > MAX_STEPS:
        too_many.append(
            Problem(
                (MAX_STEPS,),
                f"{len(written)} steps; a playbook has at most {MAX_STEPS}",
                "split it into several playbooks: its checklist is one Slack message, which "
                "holds at most 50 blocks",
            )
        )
    duplicates: list[Problem] = []
    first_index: dict[str, int] = {}
    for index, entry in enumerate(written):
        step_id = entry.get("id") if isinstance(entry, Mapping) else None
        if not isinstance(step_id, str) or not _STEP_ID.match(step_id):
            continue
        if step_id in first_index:
            duplicates.append(
                Problem(
                    (index, "id"),
                    f"duplicate step id {step_id!r} (step {first_index[step_id] + 1} has it too)",
                    "give every step its own id: runs record their progress by step id",
                )
            )
        first_index.setdefault(step_id, index)
    try:
        steps: tuple[StepModel, ...] = validate(written)
    except ValidationError as error:
        raise rejected([*too_many, *problems_of(error, StepModel), *duplicates]) from None
    if too_many or duplicates:
        raise rejected([*too_many, *duplicates])
    return steps


class PlaybookModel(_Model):
    what = "a playbook"
    missing = {"steps": _NO_STEPS}

    name: Annotated[object, BeforeValidator(_same_as_stem)] = None  # the file's name
    title: Text = ""
    description: Text = ""
    when: Annotated[WhenModel, BeforeValidator(mapping)] = WhenModel()
    vars: Annotated[dict[str, str], BeforeValidator(_vars)] = {}  # before steps: they use it
    steps: Annotated[
        tuple[StepModel, ...], WrapValidator(_few_and_distinct), BeforeValidator(_steps)
    ]

    @model_validator(mode="before")
    @classmethod
    def _a_mapping(cls, data: Any, info: ValidationInfo) -> Any:
        if data is None:
            raise invalid("the file is empty", "a playbook needs at least 'steps:' (see the docs)")
        if not isinstance(data, Mapping):
            raise invalid(
                f"expected a mapping of playbook fields, found {kind(data)}",
                f"start the file with 'name: {reading(info).stem}' and 'steps:'",
            )
        return data

    def playbook(self, name: str, source: str) -> Playbook:
        return Playbook(
            name=name,
            title=self.title or humanize(name),
            description=self.description,
            services=self.when.services,
            severities=frozenset(self.when.severities),
            labels=self.when.labels,
            steps=tuple(step.step() for step in self.steps),
            source=source,
            vars=self.vars,
        )


TOP_LEVEL_FIELDS = tuple(PlaybookModel.model_fields)
WHEN_FIELDS = tuple(WhenModel.model_fields)
STEP_FIELDS = tuple(StepModel.model_fields)
LINK_FIELDS = tuple(LinkModel.model_fields)


@dataclass(frozen=True)
class Parsed:
    playbook: Playbook | None
    problems: list[Problem]


def parse_playbook(data: object, stem: str, source: str) -> Parsed:
    """The playbook in ``data`` (the YAML of a file named ``stem``), or every problem in it."""
    try:
        model: PlaybookModel | None = PlaybookModel.model_validate(data, context=Reading(stem))
        problems = []
    except ValidationError as error:
        model, problems = None, problems_of(error)
    if isinstance(data, Mapping) and not _NAME.match(stem):  # the file's name, not its content
        problems.append(
            Problem(
                ("name",) if "name" in data else (),
                f"{stem!r} is not a playbook name: use lowercase letters, digits, - and _",
                f"rename the file, e.g. to {_slug(stem)}.yaml",
            )
        )
    if model is None or problems:
        return Parsed(None, problems)
    return Parsed(model.playbook(stem, source), [])


def problems_of(error: ValidationError, root: type[_Model] | None = None) -> list[Problem]:
    """pydantic's errors as ``Problem``s with paths from the top of the file (or of a list of
    ``root``); unknown fields first, so that on one line (``- titel: x``) they come before what
    they cause."""
    unknown: list[Problem] = []
    problems: list[Problem] = []
    for detail in error.errors():
        loc: Loc = tuple(detail["loc"])
        if detail["type"] == "playbook":
            base = loc[:-1] if detail["ctx"]["owner"] else loc
            problems.extend(
                Problem((*base, *p.loc), p.message, p.hint) for p in detail["ctx"]["problems"]
            )
        elif detail["type"] in {"extra_forbidden", "invalid_key"}:
            # pydantic names a key that is no text (``1:``) by its text: keep the key itself.
            key = detail["input"] if detail["type"] == "invalid_key" else loc[-1]
            model = _model_at(loc[:-1], root)
            fields = tuple(model.model_fields)
            unknown.append(
                Problem(
                    (*loc[:-1], key),
                    f"unknown field {key!r} in {model.what}",
                    join(did_you_mean(str(key), fields), f"fields are: {', '.join(fields)}"),
                )
            )
        elif detail["type"] == "missing":
            message, hint = _model_at(loc[:-1], root).missing[str(loc[-1])]
            problems.append(Problem(loc[:-1], message, hint))
        else:  # not expected: every field words its own errors
            problems.append(Problem(loc, detail["msg"]))
    return unknown + problems


def _model_at(loc: Loc, root: type[_Model] | None) -> type[_Model]:
    """The model validating the mapping at ``loc`` (list indexes skipped)."""
    model = root or PlaybookModel
    for part in loc:
        if isinstance(part, str):
            model = _model_in(model.model_fields[part].annotation)
    return model


def _model_in(annotation: object) -> type[_Model]:
    if isinstance(annotation, type) and issubclass(annotation, _Model):
        return annotation
    return next(_model_in(arg) for arg in get_args(annotation) if arg is not Ellipsis)


def humanize(slug: str) -> str:
    """``confirm-blast_radius`` -> ``Confirm blast radius``: the title when none is given."""
    words = re.sub(r"[-_]+", " ", slug).strip()
    return words[:1].upper() + words[1:]


def _reserved(name: str) -> bool:
    return (
        name in TEMPLATE_ROOTS
        or keyword.iskeyword(name)
        or name.lower() in {"true", "false", "none", "loop", "self"}
    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-_") or "my-playbook"
