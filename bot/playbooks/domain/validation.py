"""From the data of one playbook file to a ``Playbook``, or every problem with where it is.

Pure: the caller parses the file (YAML) and passes plain mappings and lists; each ``Problem`` names
its place as a path of keys and indexes, which the caller turns into a line number. Templates are
not parsed here (that needs Jinja2): every string that will be rendered is returned as a
``TemplateText`` for the caller to check against ``Parsed.names_for``. Parameters of automated
steps are checked by ``parameters``.

A playbook is built only when there is no problem at all, so a half-valid file never runs.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.incidents.domain.severity import Severity
from bot.kernel.suggest import did_you_mean
from bot.playbooks.domain.catalogue import CATALOGUE, ActionSpec
from bot.playbooks.domain.model import Link, Playbook, Step
from bot.playbooks.domain.parameters import check_params
from bot.playbooks.domain.problems import Loc, Problem, TemplateText, is_list, join, kind
from bot.playbooks.domain.variables import TEMPLATE_ROOTS

TOP_LEVEL_FIELDS = ("name", "title", "description", "when", "vars", "steps")
MAX_STEPS = 40  # what one checklist message shows in full (Slack: at most 50 blocks a message)
WHEN_FIELDS = ("services", "severities", "labels")
STEP_FIELDS = ("id", "title", "instructions", "links", "action", "params")
LINK_FIELDS = ("title", "url")

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
_STEP_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class Parsed:
    playbook: Playbook | None
    problems: list[Problem] = field(default_factory=list)
    templates: list[TemplateText] = field(default_factory=list)
    variables: frozenset[str] = frozenset()  # declared in 'vars:', even when the file is invalid

    def names_for(self, template: TemplateText) -> frozenset[str]:
        """The variables ``template`` may use."""
        own = self.variables if template.earlier_vars is None else template.earlier_vars
        return TEMPLATE_ROOTS | own


def humanize(slug: str) -> str:
    """``confirm-blast_radius`` -> ``Confirm blast radius``: the title when none is given."""
    words = re.sub(r"[-_]+", " ", slug).strip()
    return words[:1].upper() + words[1:]


def parse_playbook(data: object, stem: str, source: str) -> Parsed:
    """The playbook in ``data`` (a file named ``stem``), or every problem in it."""
    parsed = Parsed(None)
    if data is None:
        parsed.problems.append(
            Problem((), "the file is empty", "a playbook needs at least 'steps:' (see the docs)")
        )
        return parsed
    if not isinstance(data, Mapping):
        parsed.problems.append(
            Problem(
                (),
                f"expected a mapping of playbook fields, found {kind(data)}",
                f"start the file with 'name: {stem}' and 'steps:'",
            )
        )
        return parsed
    return _Parser(parsed).playbook(data, stem, source)


class _Parser:
    """Accumulates problems and templates while it reads one playbook's fields."""

    def __init__(self, parsed: Parsed) -> None:
        self.parsed = parsed

    def problem(self, loc: Loc, message: str, hint: str = "") -> None:
        self.parsed.problems.append(Problem(loc, message, hint))

    def template(self, loc: Loc, text: str, earlier_vars: frozenset[str] | None = None) -> None:
        self.parsed.templates.append(TemplateText(loc, text, earlier_vars))

    def playbook(self, data: Mapping[Any, Any], stem: str, source: str) -> Parsed:
        self.unknown_keys(data, (), TOP_LEVEL_FIELDS, "a playbook")
        name = self.name(data, stem)
        when = self.mapping(data, ("when",)) or {}
        self.unknown_keys(when, ("when",), WHEN_FIELDS, "'when:'")
        services = self.strings(when.get("services"), ("when", "services"))
        severities = self.severities(when.get("severities"))
        labels = self.labels(when.get("labels"))
        variables = self.vars(data)
        self.parsed.variables = frozenset(variables)
        steps = self.steps(data)
        if self.parsed.problems:
            return self.parsed
        self.parsed.playbook = Playbook(
            name=name,
            title=self.text(data, ("title",)) or humanize(name),
            description=self.text(data, ("description",)),
            services=tuple(services),
            severities=frozenset(severities),
            labels=labels,
            steps=tuple(steps),
            source=source,
            vars=variables,
        )
        return self.parsed

    def name(self, data: Mapping[Any, Any], stem: str) -> str:
        written = data.get("name")
        if written is not None and written != stem:
            self.problem(
                ("name",),
                f"the name {written!r} differs from the file name {stem!r}",
                f"rename the file to {written}.yaml, or remove 'name:' (it defaults to the file "
                "name)",
            )
        if not _NAME.match(stem):
            self.problem(
                ("name",) if "name" in data else (),
                f"{stem!r} is not a playbook name: use lowercase letters, digits, - and _",
                f"rename the file, e.g. to {_slug(stem)}.yaml",
            )
        return stem

    def steps(self, data: Mapping[Any, Any]) -> list[Step]:
        raw = data.get("steps")
        if raw is None:
            self.problem(
                ("steps",) if "steps" in data else (),
                "a playbook needs steps",
                "add 'steps:' with a list of steps, each with 'id:' and 'instructions:' or "
                "'action:'",
            )
            return []
        if not is_list(raw) or not raw:
            self.problem(
                ("steps",),
                f"expected a non-empty list of steps, found {kind(raw)}",
                "write each step on its own line starting with '- id: ...'",
            )
            return []
        if len(raw) > MAX_STEPS:
            self.problem(
                ("steps", MAX_STEPS),
                f"{len(raw)} steps; a playbook has at most {MAX_STEPS}",
                "split it into several playbooks: its checklist is one Slack message, which "
                "holds at most 50 blocks",
            )
        steps: list[Step] = []
        first_index: dict[str, int] = {}
        for index, entry in enumerate(raw):
            step = self.step(entry, ("steps", index))
            if step is None:
                continue
            if step.id in first_index:
                self.problem(
                    ("steps", index, "id"),
                    f"duplicate step id {step.id!r} (step {first_index[step.id] + 1} has it too)",
                    "give every step its own id: runs record their progress by step id",
                )
            first_index.setdefault(step.id, index)
            steps.append(step)
        return steps

    def step(self, entry: object, loc: Loc) -> Step | None:
        if not isinstance(entry, Mapping):
            self.problem(loc, f"expected a step (a mapping), found {kind(entry)}", _STEP_HINT)
            return None
        self.unknown_keys(entry, loc, STEP_FIELDS, "a step")
        step_id = entry.get("id")
        if step_id is None:
            self.problem(loc, "a step needs an id", "add 'id:' with a short slug, e.g. verify")
            return None
        if not isinstance(step_id, str) or not _STEP_ID.match(step_id):
            self.problem(
                (*loc, "id"),
                f"{step_id!r} is not a step id: use lowercase letters, digits, - and _",
                f"e.g. id: {_slug(str(step_id))}",
            )
            return None
        action = self.action(entry, loc)
        instructions = self.text(entry, (*loc, "instructions"), template=True)
        if "action" not in entry and not instructions:
            self.problem(
                loc,
                f"step {step_id!r} has neither instructions nor an action",
                "add 'instructions:' (a manual step) or 'action:' (an automated one)",
            )
        params = self.params(entry, loc, action)
        return Step(
            id=step_id,
            title=self.text(entry, (*loc, "title")) or humanize(step_id),
            instructions=instructions,
            links=self.links(entry.get("links"), (*loc, "links")),
            action=action.name if action is not None else None,
            params=params,
        )

    def action(self, entry: Mapping[Any, Any], loc: Loc) -> ActionSpec | None:
        if "action" not in entry:
            return None
        name = entry["action"]
        if not isinstance(name, str) or name not in CATALOGUE:
            self.problem(
                (*loc, "action"),
                f"unknown action {name!r}",
                join(did_you_mean(str(name), CATALOGUE), f"actions are: {', '.join(CATALOGUE)}"),
            )
            return None
        return CATALOGUE[name]

    def params(
        self, entry: Mapping[Any, Any], loc: Loc, action: ActionSpec | None
    ) -> dict[str, Any]:
        where = (*loc, "params")
        raw = self.mapping(entry, where)
        if "action" not in entry:
            if raw:
                self.problem(
                    where,
                    "parameters given to a manual step",
                    f"add 'action:' ({', '.join(CATALOGUE)}) or remove 'params:'",
                )
            return {}
        if action is None or (raw is None and entry.get("params") is not None):
            return {}  # an unknown action, or params that are not a mapping: already reported
        checked = check_params(action, raw or {}, where, where if raw else (*loc, "action"))
        self.parsed.problems.extend(checked.problems)
        self.parsed.templates.extend(checked.templates)
        return checked.params

    def links(self, raw: object, loc: Loc) -> tuple[Link, ...]:
        if raw is None:
            return ()
        if not is_list(raw):
            self.problem(loc, f"expected a list of links, found {kind(raw)}", _LINK_HINT)
            return ()
        links: list[Link] = []
        for index, entry in enumerate(raw):
            where = (*loc, index)
            if not isinstance(entry, Mapping):
                self.problem(where, f"expected a link, found {kind(entry)}", _LINK_HINT)
                continue
            self.unknown_keys(entry, where, LINK_FIELDS, "a link")
            url = self.text(entry, (*where, "url"), template=True)
            if not url:
                self.problem(where, "a link needs a url", _LINK_HINT)
                continue
            title = self.text(entry, (*where, "title"), template=True)
            links.append(Link(title=title or url, url=url))
        return tuple(links)

    def vars(self, data: Mapping[Any, Any]) -> dict[str, str]:
        raw = self.mapping(data, ("vars",))
        if raw is None:
            return {}
        variables: dict[str, str] = {}
        for name, value in raw.items():
            loc: Loc = ("vars", name)
            if not isinstance(name, str) or not _VAR_NAME.match(name) or _reserved(name):
                self.problem(
                    loc,
                    f"{name!r} cannot be a variable name",
                    "use letters, digits and _ (not starting with a digit), and not "
                    f"{', '.join(sorted(TEMPLATE_ROOTS))} or a keyword",
                )
                continue
            if isinstance(value, int | float) and not isinstance(value, bool):
                value = str(value)
            if not isinstance(value, str):
                self.problem(
                    loc,
                    f"expected text, found {kind(value)}",
                    "a variable's default is text (quote it), e.g. flag: new-checkout-flow",
                )
                continue
            self.template(loc, value, earlier_vars=frozenset(variables))
            variables[name] = value
        return variables

    def severities(self, raw: object) -> list[Severity]:
        loc: Loc = ("when", "severities")
        found: list[Severity] = []
        for index, word in enumerate(self.strings(raw, loc)):
            try:
                found.append(Severity.parse(word))
            except ValueError:
                self.problem(
                    (*loc, index), f"unknown severity {word!r}", "use sev1, sev2, sev3 or sev4"
                )
        return found

    def labels(self, raw: object) -> dict[str, str]:
        loc: Loc = ("when", "labels")
        if raw is None:
            return {}
        if not isinstance(raw, Mapping):
            self.problem(
                loc, f"expected a mapping, found {kind(raw)}", "e.g. labels: {team: payments}"
            )
            return {}
        labels: dict[str, str] = {}
        for key, value in raw.items():
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                self.problem(
                    (*loc, key), f"expected text, found {kind(value)}", "quote the label's value"
                )
                continue
            labels[str(key)] = str(value)
        return labels

    def strings(self, raw: object, loc: Loc) -> list[str]:
        if raw is None:
            return []
        if not is_list(raw):
            self.problem(
                loc,
                f"expected a list, found {kind(raw)}",
                f"write {loc[-1]}: [first, second]",
            )
            return []
        found: list[str] = []
        for index, item in enumerate(raw):
            if isinstance(item, str) and item:
                found.append(item)
            else:
                self.problem((*loc, index), f"expected a name, found {kind(item)}")
        return found

    def mapping(self, data: Mapping[Any, Any], loc: Loc) -> Mapping[Any, Any] | None:
        raw = data.get(loc[-1])
        if raw is None:
            return None
        if not isinstance(raw, Mapping):
            self.problem(loc, f"expected a mapping, found {kind(raw)}", f"indent the {loc[-1]}")
            return None
        return raw

    def text(self, data: Mapping[Any, Any], loc: Loc, template: bool = False) -> str:
        raw = data.get(loc[-1])
        if raw is None:
            return ""
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            raw = str(raw)
        if not isinstance(raw, str):
            self.problem(loc, f"expected text, found {kind(raw)}", "quote it")
            return ""
        if template:
            self.template(loc, raw)
        return raw.strip()

    def unknown_keys(
        self, data: Mapping[Any, Any], loc: Loc, known: Sequence[str], what: str
    ) -> None:
        for key in data:
            if key not in known:
                self.problem(
                    (*loc, key),
                    f"unknown field {key!r} in {what}",
                    join(did_you_mean(str(key), known), f"fields are: {', '.join(known)}"),
                )


_STEP_HINT = "each step is a mapping: '- id: ...' then 'instructions:' or 'action:'"
_LINK_HINT = "write links as '- title: Dashboard' and 'url: https://...'"


def _reserved(name: str) -> bool:
    return (
        name in TEMPLATE_ROOTS
        or keyword.iskeyword(name)
        or name.lower() in {"true", "false", "none", "loop", "self"}
    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-_") or "my-playbook"
