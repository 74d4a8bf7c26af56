"""The playbooks the bot offers: loaded from folders, looked up by name, rendered for an incident.

Folders load in order (``playbooks/`` first, then the extra folder): a file in a later folder
replaces the same-named playbook of an earlier one, with a warning so an override is never a
surprise. A bad file never stops the others: its errors are kept, reported by ``check``, logged at
start, and shown to whoever asks for it in Slack (``get`` raises ``PlaybookUnavailable``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.incidents.domain.severity import Severity
from bot.kernel.suggest import did_you_mean
from bot.kernel.yamlsource import SourceError, field_path
from bot.playbooks.domain.catalogue import CATALOGUE
from bot.playbooks.domain.model import Link, Playbook, Step
from bot.playbooks.domain.parameters import rendered_problems
from bot.playbooks.domain.variables import TEMPLATE_ROOTS, template_context
from bot.playbooks.loader import load_file, playbook_files
from bot.playbooks.templating import RenderError, render_text, render_value

# The template context for a playbook run on an incident (see ``bot.playbooks.domain.variables``).
variables = template_context

_NO_LABELS: Mapping[str, str] = MappingProxyType({})


class PlaybookUnavailable(LookupError):
    """A playbook that cannot be run; ``message`` says why and what to do, in Slack mrkdwn."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RenderedStep:
    """A step filled in for one incident; ``params`` includes the catalogue's defaults."""

    instructions: str
    links: tuple[Link, ...]
    params: dict[str, Any]


@dataclass
class PlaybookLibrary:
    playbooks: dict[str, Playbook] = field(default_factory=dict)
    errors: dict[str, list[SourceError]] = field(default_factory=dict)  # by file name stem
    warnings: list[SourceError] = field(default_factory=list)

    @classmethod
    def load(cls, *folders: Path | None) -> PlaybookLibrary:
        """Every ``*.yaml``/``*.yml`` file of each folder (None and missing folders are skipped
        with a warning); never raises for a bad file."""
        library = cls()
        origin: dict[str, Path] = {}
        for folder in folders:
            if folder is None:
                continue
            if not folder.is_dir():
                library.warnings.append(
                    SourceError(
                        str(folder),
                        None,
                        "",
                        "playbooks folder not found",
                        "create it, or point PLAYBOOKS_DIR / EXTRA_PLAYBOOKS_DIR at the right one",
                    )
                )
                continue
            try:
                files = playbook_files(folder)
            except OSError as error:
                library.warnings.append(
                    SourceError(str(folder), None, "", f"cannot list the folder: {error}")
                )
                continue
            seen_here: set[str] = set()
            for path in files:
                if path.stem in seen_here:
                    library._add_errors(path.stem, [_twin(path)])
                    continue
                seen_here.add(path.stem)
                if path.stem in origin:
                    library.warnings.append(_overridden(path, origin[path.stem]))
                origin[path.stem] = path
                library._add(path)
        library.playbooks = dict(sorted(library.playbooks.items()))
        return library

    def _add(self, path: Path) -> None:
        """Load one file; it replaces an earlier same-named playbook even when it is broken (the
        earlier one is not what its owners want run), but earlier errors stay reported."""
        playbook, errors = load_file(path)
        if playbook is not None:
            self.playbooks[playbook.name] = playbook
        else:
            self._add_errors(path.stem, errors)

    def _add_errors(self, stem: str, errors: list[SourceError]) -> None:
        self.errors.setdefault(stem, []).extend(errors)
        self.playbooks.pop(stem, None)

    @property
    def all_errors(self) -> list[SourceError]:
        return [error for errors in self.errors.values() for error in errors]

    def get(self, name: str) -> Playbook:
        """The playbook called ``name``; ``PlaybookUnavailable`` when it is unknown or invalid."""
        if name in self.playbooks:
            return self.playbooks[name]
        if name in self.errors:
            errors = self.errors[name]
            listed = "\n".join(f"• `{error}`" for error in errors)
            raise PlaybookUnavailable(
                f"Playbook `{name}` cannot be used: its file has "
                f"{len(errors)} error{'s' if len(errors) != 1 else ''}:\n{listed}\n"
                "Fix the file (check it with `warroom playbooks check`); the bot picks up the "
                "change by itself."
            )
        known = ", ".join(f"`{known}`" for known in self.playbooks) or "none yet"
        suggestion = did_you_mean(name, self.playbooks)
        raise PlaybookUnavailable(
            f"There is no playbook called `{name}`"
            + (f" ({suggestion})" if suggestion else "")
            + f". Known playbooks: {known}. `/incident playbook` lists the ones for this incident."
        )

    def applicable(
        self,
        service: str | None,
        severity: Severity,
        labels: Mapping[str, str] = _NO_LABELS,
        listed: Sequence[str] = (),
    ) -> list[Playbook]:
        """The service's own playbooks (its ``playbooks:`` list in services.yaml, in that order),
        then every other playbook whose conditions match, by name."""
        named = [self.playbooks[name] for name in dict.fromkeys(listed) if name in self.playbooks]
        matching = [
            playbook
            for playbook in self.playbooks.values()
            if playbook.name not in listed and playbook.applies_to(service, severity, labels)
        ]
        return named + matching

    def render(self, playbook: Playbook, step: Step, variables: Mapping[str, Any]) -> RenderedStep:
        """``step`` filled in from ``variables`` (see ``variables``): the playbook's vars first,
        in order (a value in ``variables`` replaces the default), then the step. ``RenderError``
        names the step and field when a template cannot be filled in."""
        context = _with_vars(playbook, variables)
        where = f"playbook `{playbook.name}`, step `{step.id}`"
        params = dict(step.params)
        if step.action is not None:
            for name, spec in CATALOGUE[step.action].params.items():
                if name not in params and spec.default is not None:
                    params[name] = spec.default
        rendered = render_value(params, context, f"{where}, params")
        if step.action is not None:
            problems = rendered_problems(step.action, rendered)
            if problems:
                raise RenderError(
                    "\n".join(
                        f"{where}, {field_path(p.loc)}: {p.message} (hint: {p.hint})"
                        for p in problems
                    )
                )
        return RenderedStep(
            instructions=render_text(step.instructions, context, f"{where}, instructions"),
            links=tuple(
                Link(
                    render_text(link.title, context, f"{where}, links[{i}].title"),
                    render_text(link.url, context, f"{where}, links[{i}].url"),
                )
                for i, link in enumerate(step.links)
            ),
            params=rendered,
        )


def _with_vars(playbook: Playbook, variables: Mapping[str, Any]) -> dict[str, Any]:
    """The incident, playbook and alert from ``variables``, plus each var rendered with the ones
    above it (as ``schema`` allows)."""
    context = {name: variables[name] for name in TEMPLATE_ROOTS if name in variables}
    for name, default in playbook.vars.items():
        text = str(variables.get(name, default))
        context[name] = render_text(text, context, f"playbook `{playbook.name}`, vars.{name}")
    return context


def _twin(path: Path) -> SourceError:
    return SourceError(
        str(path),
        None,
        "",
        f"another file in {path.parent} is also called {path.stem!r} (.yaml and .yml)",
        "keep one of them",
    )


def _overridden(path: Path, earlier: Path) -> SourceError:
    return SourceError(
        str(path),
        None,
        "name",
        f"replaces the playbook {path.stem!r} of {earlier}",
        "this is expected for a local override; rename the file to keep both",
    )
