"""The scenario file: a YAML list of what people do, replayed against the running bot.

A scenario is a mapping (``name``, ``description``, ``pace``, ``steps``) or just the list of
steps. Each step is a mapping with exactly one action key, plus optional context keys:

- ``as``: who acts (a handle such as ``olivia``, ``@liam`` or a user id); ``in``: where
  (``general``, ``#general``, a channel id, ``$name`` saved earlier, or ``dm``: the acting
  person's DM with the app). Both carry over to the next steps until changed (they start as
  ``olivia`` in ``#general``).
- ``timeout`` (seconds, for the ``wait_for*`` steps, default 30), ``save_as`` (a name for what
  the step produced), ``expect_failure: true`` (the step must fail, e.g. while the bot is down).

Actions: ``command``, ``say``, ``click``, ``choose`` (+ ``element``), ``submit``,
``close_modal``, ``react`` (+ ``to``), ``shortcut`` (+ ``to``), ``join``, ``wait_for``,
``wait_for_channel``, ``wait_for_reaction`` (+ ``to``), ``pause``, ``bot`` (``stop``/``start``),
``fail`` (make Slack's API fail: ``{method, times, error}``), ``beat`` (POST a heartbeat monitor's
webhook, as the monitored job would). docs/sandbox.md describes each.

Errors name the file and line (:mod:`bot.kernel.yamlsource`), like the bot's other YAML files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.kernel.yamlsource import LineDict, LineList, SourceError, SourceErrors, load_yaml, validate

ACTIONS = (
    "command",
    "say",
    "click",
    "choose",
    "submit",
    "close_modal",
    "react",
    "shortcut",
    "join",
    "wait_for",
    "wait_for_channel",
    "wait_for_reaction",
    "pause",
    "bot",
    "fail",
    "beat",
)
DEFAULT_TIMEOUT = 30.0


class Fault(BaseModel):
    model_config = ConfigDict(extra="forbid")
    method: str
    times: int = Field(default=1, ge=1)
    error: str | None = None
    status: int | None = None


class Step(BaseModel):
    """One line of a scenario; :attr:`action` names which action key it has."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    user: str | None = Field(default=None, alias="as")
    where: str | None = Field(default=None, alias="in")
    timeout: float = Field(default=DEFAULT_TIMEOUT, gt=0)
    save_as: str | None = None
    expect_failure: bool = False
    line: int = 0

    command: str | None = None
    say: str | None = None
    click: str | None = None
    choose: str | None = None
    element: str | None = None
    submit: dict[str, Any] | None = None
    close_modal: bool | None = None
    react: str | None = None
    shortcut: str | None = None
    to: str | None = None
    join: bool | None = None
    wait_for: str | None = None
    wait_for_channel: str | None = None
    wait_for_reaction: str | None = None
    pause: float | None = Field(default=None, ge=0)
    bot: Literal["stop", "start"] | None = None
    fail: Fault | None = None
    beat: str | None = None

    @field_validator("command")
    @classmethod
    def _slash(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("/"):
            raise ValueError("a command starts with / (e.g. /incident declare ...)")
        return value

    @model_validator(mode="after")
    def _one_action(self) -> Step:
        present = [name for name in ACTIONS if getattr(self, name) is not None]
        if len(present) != 1:
            found = ", ".join(present) or "none"
            raise ValueError(f"a step needs exactly one of {', '.join(ACTIONS)} (found: {found})")
        return self

    @property
    def action(self) -> str:
        return next(name for name in ACTIONS if getattr(self, name) is not None)

    def describe(self) -> str:
        """One line for the console and the page's banner."""
        value = getattr(self, self.action)
        if self.action in ("close_modal", "join"):
            return self.action.replace("_", " ")
        if isinstance(value, BaseModel):
            value = value.model_dump(exclude_none=True)
        return f"{self.action.replace('_', ' ')} {value}".strip()


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = "scenario"
    description: str = ""
    pace: float = Field(default=1.0, ge=0)
    """Seconds between steps, so people watching the page can follow."""
    steps: list[Step] = Field(min_length=1)
    file: str = ""


def parse_scenario(text: str, file: str) -> Scenario:
    """A scenario from YAML ``text``; :class:`SourceErrors` with lines when it is not one."""
    data = load_yaml(text, file)
    if isinstance(data, list):
        data = LineDict(steps=data)
        data.line, data.key_lines = 1, {"steps": 1}
    if not isinstance(data, dict):
        raise SourceErrors(
            [SourceError(file, 1, "", "a scenario is a list of steps, or a mapping with steps")]
        )
    scenario = validate(Scenario, data, file)
    listed = data.get("steps")
    steps = [
        step.model_copy(
            update={"line": listed.line_of(index) if isinstance(listed, LineList) else 0}
        )
        for index, step in enumerate(scenario.steps)
    ]
    return scenario.model_copy(update={"file": file, "steps": steps})


def load_scenario(path: Path) -> Scenario:
    return parse_scenario(path.read_text(encoding="utf-8"), str(path))
