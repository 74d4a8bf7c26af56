"""Post-mortem templates: Jinja2 files ``<name>.md.j2`` rendering Markdown from
``PostmortemInputs``.

``Templates.load`` validates every template before the bot serves anything: syntax errors,
variables that are not ``PostmortemInputs`` fields (``jinja2.meta``), and a trial render of a
fully populated sample under ``StrictUndefined`` (which catches misspelt attributes such as
``clocks.detectd``). Each problem is reported with its file and line; the config's template
choices must name existing templates. Folders listed first win, so a team folder can replace a
shipped template by using the same name.
"""

from __future__ import annotations

import traceback
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path
from types import TracebackType

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateSyntaxError,
    meta,
    nodes,
)

from bot.incidents.domain.severity import Severity
from bot.kernel.yamlsource import SourceError, SourceErrors
from bot.postmortems.config import PostmortemConfig
from bot.postmortems.domain.plaintext import cell
from bot.postmortems.domain.values import PostmortemInputs
from bot.postmortems.sample import sample_inputs

SHIPPED = Path("postmortems")
SUFFIX = ".md.j2"
VARIABLES = frozenset(f.name for f in fields(PostmortemInputs))


class TemplateProblem(SourceErrors):
    """Every problem found in the template folders, each with file and line."""


class UnknownTemplate(LookupError):
    """A template name that is not in the folders; the message lists the ones that are."""


class Templates:
    """The validated templates by name (file name without ``.md.j2``) and the config's choice."""

    def __init__(self, env: Environment, files: dict[str, Path], config: PostmortemConfig) -> None:
        self._env = env
        self._files = files
        self._config = config

    @classmethod
    def load(
        cls, folders: Sequence[Path] = (SHIPPED,), config: PostmortemConfig | None = None
    ) -> Templates:
        """Validate and load; raises ``TemplateProblem`` listing every problem."""
        config = config or PostmortemConfig()
        env = _environment(folders)
        files, errors = _discover(folders)
        for name, path in files.items():
            errors += _problems(env, name, path)
        errors += _unknown_choices(config, files)
        if errors:
            raise TemplateProblem(errors)
        return cls(env, files, config)

    @classmethod
    def for_config(cls, config: PostmortemConfig, shipped: Path = SHIPPED) -> Templates:
        """The config's extra folders first (they win), then the shipped templates."""
        return cls.load((*config.extra_template_folders, shipped), config)

    @property
    def names(self) -> list[str]:
        return sorted(self._files)

    def choose(self, severity: Severity, service: str | None) -> str:
        return self._config.choose(severity, service)

    def render(self, name: str, inputs: PostmortemInputs) -> str:
        """Markdown ending in one newline; ``UnknownTemplate`` for a name not loaded."""
        if name not in self._files:
            raise UnknownTemplate(
                f"no post-mortem template {name!r}; available: {', '.join(self.names)}"
            )
        text = self._env.get_template(name + SUFFIX).render(_variables(inputs))
        return text.rstrip("\n") + "\n"


def _environment(folders: Sequence[Path]) -> Environment:
    # Markdown, not HTML: escaping is the page renderer's job, so autoescape stays off.
    env = Environment(
        loader=FileSystemLoader([str(f) for f in folders]),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cell"] = cell
    return env


def _discover(folders: Sequence[Path]) -> tuple[dict[str, Path], list[SourceError]]:
    files: dict[str, Path] = {}
    errors: list[SourceError] = []
    for folder in folders:
        if not folder.is_dir():
            errors.append(
                SourceError(
                    str(folder), None, "", "template folder not found", "create it or fix the path"
                )
            )
            continue
        for path in sorted(folder.glob("*" + SUFFIX)):
            files.setdefault(path.name.removesuffix(SUFFIX), path)
    return files, errors


def _problems(env: Environment, name: str, path: Path) -> list[SourceError]:
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return [SourceError(str(path), None, "", f"cannot read the template: {error}")]
    try:
        tree = env.parse(source, name + SUFFIX, str(path))
    except TemplateSyntaxError as error:
        return [SourceError(str(path), error.lineno, "", f"syntax error: {error.message}")]
    unknown = sorted(meta.find_undeclared_variables(tree) - VARIABLES - set(env.globals))
    if unknown:
        return [_unknown_variable(path, tree, variable) for variable in unknown]
    return _trial_render(env, name, path)


def _unknown_variable(path: Path, tree: nodes.Template, variable: str) -> SourceError:
    lines = [n.lineno for n in tree.find_all(nodes.Name) if n.name == variable]
    return SourceError(
        str(path),
        min(lines) if lines else None,
        "",
        f"unknown variable {variable!r}",
        "the variables are listed in postmortems/README.md",
    )


def _trial_render(env: Environment, name: str, path: Path) -> list[SourceError]:
    try:
        env.get_template(name + SUFFIX).render(_variables(sample_inputs()))
    # A template is code: whatever it raises (a filter on the wrong type, a division by zero)
    # is reported with its line instead of stopping the bot with a traceback.
    except Exception as error:
        file, line = _template_frame(error.__traceback__, path)
        message = getattr(error, "message", None) or str(error)
        return [
            SourceError(
                file,
                line,
                "",
                f"cannot render: {message}",
                "check the names against postmortems/README.md",
            )
        ]
    return []


def _template_frame(tb: TracebackType | None, fallback: Path) -> tuple[str, int | None]:
    """The innermost frame in a template file: Jinja rewrites tracebacks to template lines."""
    found: tuple[str, int | None] = (str(fallback), None)
    for frame, line in traceback.walk_tb(tb):
        if frame.f_code.co_filename.endswith(SUFFIX):
            found = (frame.f_code.co_filename, line)
    return found


def _unknown_choices(config: PostmortemConfig, files: dict[str, Path]) -> list[SourceError]:
    return [
        SourceError(
            config.file,
            config.lines.get(setting),
            setting,
            f"no template {template!r}",
            f"available: {', '.join(sorted(files))}",
        )
        for setting, template in config.named_templates()
        if template not in files
    ]


def _variables(inputs: PostmortemInputs) -> dict[str, object]:
    # Top-level fields as they are: nested values stay objects (``str(Moment)`` reads well).
    return {f.name: getattr(inputs, f.name) for f in fields(inputs)}
