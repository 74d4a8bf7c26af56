"""Reading the config folder: which files, their YAML, their top-level shape, and item types.

The folder holds up to four files, each a mapping with one key naming a list:
``users.yaml`` (``users:``), ``schedules.yaml`` (``schedules:``), ``escalation_policies.yaml``
(``escalation_policies:``) and ``services.yaml`` (``services:``). A missing file is an empty list
(a team without schedules pages people directly). Any other ``*.yaml``/``*.yml`` file is an error,
because a misspelt file name would otherwise be ignored silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from bot.config.hints import schema_hint
from bot.config.report import Item, Report
from bot.config.schema import PolicyModel, ScheduleModel, ServiceModel, UserModel
from bot.kernel.suggest import closest
from bot.kernel.yamlsource import LineDict, LineList, SourceError, SourceErrors, load_yaml, validate

FILES: dict[str, tuple[str, type[BaseModel]]] = {
    "users.yaml": ("users", UserModel),
    "schedules.yaml": ("schedules", ScheduleModel),
    "escalation_policies.yaml": ("escalation_policies", PolicyModel),
    "services.yaml": ("services", ServiceModel),
}

# Files of the folder that other features read (and check) themselves.
COMPANIONS = frozenset(
    {"alert_routes.yaml", "announcements.yaml", "heartbeats.yaml", "insights.yaml"}
)


@dataclass
class Folder:
    """The validated items of each file, plus the names every item declares (even invalid ones).

    ``declared`` lets cross-file checks tell "unknown schedule" from "a schedule that exists but
    has a type error", so one mistake is reported once.
    """

    items: dict[str, list[Item[Any]]] = field(default_factory=dict)
    declared: dict[str, set[str]] = field(default_factory=dict)


def read_folder(folder: Path, report: Report) -> Folder:
    result = Folder()
    if not folder.is_dir():
        report.extend(
            [
                SourceError(
                    str(folder),
                    None,
                    "",
                    "config folder not found",
                    f"create it with {', '.join(FILES)} (see config/README.md)",
                )
            ]
        )
        return result
    _unknown_files(folder, report)
    for name, (key, model) in FILES.items():
        path = folder / name
        items, declared = _read_file(path, key, model, report) if path.is_file() else ([], set())
        result.items[key] = items
        result.declared[key] = declared
    return result


def _unknown_files(folder: Path, report: Report) -> None:
    for path in sorted(folder.iterdir()):
        if path.suffix not in {".yaml", ".yml"} or path.name in FILES or path.name in COMPANIONS:
            continue
        stems = [name.removesuffix(".yaml") for name in FILES]
        close = closest(path.stem, stems, cutoff=0.75)
        hint = (
            f"rename it to {close}.yaml"
            if close
            else f"config files are {', '.join(FILES)}; move other files out of this folder"
        )
        report.extend([SourceError(str(path), None, "", "not a warroom config file", hint)])


def _read_file(
    path: Path, key: str, model: type[BaseModel], report: Report
) -> tuple[list[Item[Any]], set[str]]:
    file = str(path)
    try:
        raw = load_yaml(path.read_text(encoding="utf-8"), file)
    except SourceErrors as exc:
        report.extend(exc.errors)
        return [], set()
    except (OSError, UnicodeDecodeError) as exc:
        report.extend([SourceError(file, None, "", f"cannot read the file: {exc}")])
        return [], set()
    if raw is None:
        return [], set()
    if not isinstance(raw, LineDict) or set(raw) != {key}:
        found = ", ".join(map(str, raw)) if isinstance(raw, dict) else type(raw).__name__
        report.extend(
            [
                SourceError(
                    file,
                    getattr(raw, "line", None),
                    "",
                    f"expected a mapping with the single key '{key}', found {found}",
                    f"start the file with '{key}:' and list the entries under it",
                )
            ]
        )
        return [], set()
    entries = raw[key]
    if entries is None:
        return [], set()
    if not isinstance(entries, LineList):
        report.extend(
            [
                SourceError(
                    file,
                    raw.line_of(key),
                    key,
                    f"expected a list, found {type(entries).__name__}",
                    "write each entry on its own line starting with '- '",
                )
            ]
        )
        return [], set()
    items: list[Item[Any]] = []
    declared: set[str] = set()
    for index, entry in enumerate(entries):
        if isinstance(entry, dict):
            name = entry.get("name")
            declared.update(
                str(v) for v in (name, entry.get("slack_id"), entry.get("email")) if v is not None
            )
            if isinstance(entry.get("email"), str):
                declared.add(entry["email"].lower())
        loc = (key, index)
        try:
            items.append(Item(file, raw, loc, validate(model, entry, file, prefix=loc)))
        except SourceErrors as exc:
            report.extend(
                [
                    schema_hint(_with_line(e, entries.line_of(index)), FILES_MODELS)
                    for e in exc.errors
                ]
            )
    return items, declared


def _with_line(error: SourceError, fallback: int) -> SourceError:
    if error.line is not None:
        return error
    return SourceError(error.file, fallback, error.field, error.message, error.hint)


FILES_MODELS = tuple(model for _, model in FILES.values())
