"""``postmortems/config.yaml`` (optional): the team's time zone, which template each severity
or service gets, which sections of each template must be filled before approval, and extra
template folders and blameless-rule files.

Without the file: UTC, ``short`` for SEV3/SEV4, ``default`` otherwise; required sections are
summary and action items for ``short``, and summary, impact, contributing factors and action
items for any other template. Errors name file, line
and field. Relative paths are relative to the file's folder.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.incidents.domain.severity import Severity
from bot.kernel.yamlsource import SourceError, SourceErrors, line_at, load_yaml, validate
from bot.postmortems.domain.gates import DEFAULT_REQUIRED
from bot.postmortems.domain.sections import slug

UTC_ZONE = ZoneInfo("UTC")
_SHORT_FOR = {Severity.SEV3: "short", Severity.SEV4: "short"}
_REQUIRED_FOR = {"short": frozenset({"summary", "action-items"})}


@dataclass(frozen=True)
class PostmortemConfig:
    """Template choice: by service first (most specific), then by severity, else the default.

    ``lines`` maps ``templates.by_service.<name>`` style keys to the line that set them, so a
    template that does not exist is reported where it was named.
    """

    time_zone: ZoneInfo = UTC_ZONE
    default_template: str = "default"
    by_severity: Mapping[Severity, str] = field(
        default_factory=lambda: MappingProxyType(_SHORT_FOR)
    )
    by_service: Mapping[str, str] = field(default_factory=dict)
    extra_template_folders: tuple[Path, ...] = ()
    extra_rules: tuple[Path, ...] = ()
    required_sections: Mapping[str, frozenset[str]] = field(
        default_factory=lambda: MappingProxyType(_REQUIRED_FOR)
    )
    file: str = "postmortems/config.yaml"
    lines: Mapping[str, int] = field(default_factory=dict)
    followups: Mapping[str, Tracker] = field(default_factory=dict)  # service ("" default)

    def tracker_list(self) -> list[tuple[str, str, str]]:
        """``(file: followups.<where>, kind, target)`` for each configured tracker."""
        return [
            (f"{self.file}: followups.{name or 'default'}", t.kind, t.target)
            for name, t in self.followups.items()
        ]

    def tracker(self, service: str | None) -> Tracker | None:
        """Where ``service``'s action items are exported; None: they stay in warroom."""
        if service is not None and service in self.followups:
            return self.followups[service]
        return self.followups.get("")

    def required(self, template: str) -> frozenset[str]:
        """Ids of the sections of ``template`` that must be filled (or waived) to approve."""
        return self.required_sections.get(template, DEFAULT_REQUIRED)

    def choose(self, severity: Severity, service: str | None) -> str:
        if service is not None and service in self.by_service:
            return self.by_service[service]
        return self.by_severity.get(severity, self.default_template)

    def named_templates(self) -> list[tuple[str, str]]:
        """``(setting, template name)`` for every template the config refers to."""
        named = [("templates.default", self.default_template)]
        named += [(f"templates.by_severity.{s.value}", t) for s, t in self.by_severity.items()]
        named += [(f"templates.by_service.{s}", t) for s, t in self.by_service.items()]
        return named


@dataclass(frozen=True)
class Tracker:
    """An issue tracker to export action items to: ``kind`` github|linear|jira, ``target`` the
    GitHub repository (``owner/name``), Linear team key or Jira project key."""

    kind: str
    target: str


class _Tracker(BaseModel):
    model_config = ConfigDict(extra="forbid")

    github: str | None = None
    linear: str | None = None
    jira: str | None = None

    @field_validator("github")
    @classmethod
    def _repo(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[\w.-]+/[\w.-]+", value):
            raise ValueError(f"{value!r} is not a repository: write owner/name, e.g. acme/checkout")
        return value

    @field_validator("linear", "jira")
    @classmethod
    def _key(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", value):
            raise ValueError(f"{value!r} is not a team or project key such as ENG")
        return value

    @model_validator(mode="after")
    def _one(self) -> _Tracker:
        if sum(v is not None for v in (self.github, self.linear, self.jira)) != 1:
            raise ValueError("name exactly one of github (owner/repo), linear (team key), jira")
        return self

    def tracker(self) -> Tracker:
        kind, target = next((k, v) for k, v in self.model_dump().items() if v is not None)
        return Tracker(kind, target)


class _Followups(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default: _Tracker | None = None
    by_service: dict[str, _Tracker] = Field(default_factory=dict)


class _Templates(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default: str = "default"
    by_severity: dict[Severity, str] = Field(default_factory=lambda: dict(_SHORT_FOR))
    by_service: dict[str, str] = Field(default_factory=dict)

    @field_validator("by_severity", mode="before")
    @classmethod
    def _severity_keys(cls, value: object) -> object:
        if isinstance(value, dict):
            return {Severity.parse(str(k)): v for k, v in value.items()}
        return value


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    time_zone: str = "UTC"
    templates: _Templates = Field(default_factory=_Templates)
    extra_template_folders: list[str] = Field(default_factory=list)
    extra_rules: list[str] = Field(default_factory=list)
    # template name -> section headings or ids (``Contributing factors`` or
    # ``contributing-factors``); templates not listed keep the built-in choice.
    required_sections: dict[str, list[str]] = Field(default_factory=dict)
    # Where action items are exported on approval (none: they stay in warroom).
    followups: _Followups = Field(default_factory=_Followups)

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}: use an IANA name such as Europe/Berlin"
            ) from None
        return value


def load_postmortem_config(path: Path) -> PostmortemConfig:
    """The config in ``path``, or the defaults when there is no such file."""
    if not path.exists():
        return PostmortemConfig(file=str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SourceErrors([SourceError(str(path), None, "", f"cannot read: {error}")]) from None
    data = load_yaml(text, str(path)) or {}
    model = validate(_File, data, str(path))
    here = path.parent
    lines = {
        f"templates.{group}.{key.value if isinstance(key, Severity) else key}": line
        for group, mapping in (
            ("by_severity", model.templates.by_severity),
            ("by_service", model.templates.by_service),
        )
        for key in mapping
        if (line := _key_line(data, group, key)) is not None
    }
    default_line = line_at(data, ("templates", "default"))
    if default_line is not None:
        lines["templates.default"] = default_line
    return PostmortemConfig(
        time_zone=ZoneInfo(model.time_zone),
        default_template=model.templates.default,
        by_severity=MappingProxyType(dict(model.templates.by_severity)),
        by_service=MappingProxyType(dict(model.templates.by_service)),
        extra_template_folders=tuple(here / p for p in model.extra_template_folders),
        extra_rules=tuple(here / p for p in model.extra_rules),
        required_sections=MappingProxyType(
            {
                **_REQUIRED_FOR,
                **{
                    t: frozenset(slug(s) for s in ids) for t, ids in model.required_sections.items()
                },
            }
        ),
        file=str(path),
        lines=lines,
        followups=MappingProxyType(_trackers(model.followups)),
    )


def _trackers(followups: _Followups) -> dict[str, Tracker]:
    found = {name: t.tracker() for name, t in followups.by_service.items()}
    if followups.default is not None:
        found[""] = followups.default.tracker()
    return found


def _key_line(data: object, group: str, key: object) -> int | None:
    """The line of ``key`` as written (``sev3`` or ``SEV3``) under ``templates.<group>``."""
    mapping = data.get("templates", {}).get(group, {}) if isinstance(data, dict) else {}
    for written in mapping if isinstance(mapping, dict) else ():
        same = (
            Severity.looks_like(str(written)) and Severity.parse(str(written)) == key
            if isinstance(key, Severity)
            else written == key
        )
        if same:
            return line_at(data, ("templates", group, written))
    return None
