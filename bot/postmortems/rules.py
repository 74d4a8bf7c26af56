"""Blameless-check rules from YAML: the shipped ``postmortems/blameless-rules.yaml`` plus any
files a team adds. A later file's rule with the same ``id`` replaces the earlier one, so a team
can soften or drop (``pattern: ""``) a shipped rule as well as add its own.

File shape::

    rules:
      - id: human-error
        pattern: '\\bhuman error\\b'
        why: It names a person as the cause and stops the analysis there.
        hint: Describe what made the action easy to get wrong, e.g. "the script accepted ..."
      - id: neglected
        pattern: '\\bneglected\\b'
        subject: person       # not when a thing is the subject: "the autoscaler neglected ..."
        why: ...
        hint: ...
      - id: person-omission
        grammar: omission     # a category of the blame grammar (domain/blame/)
        why: ...
        hint: ...
      - id: reads-like-blame
        model: true           # the trained model (domain/blame_model.py) where no rule found any
        why: ...
        hint: ...
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.kernel.yamlsource import SourceError, SourceErrors, line_at, load_yaml, validate
from bot.postmortems.domain.blame.hits import CATEGORIES
from bot.postmortems.domain.blameless import InvalidRule, Rule, compile_rule


class _RuleModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    pattern: str = ""
    grammar: str = ""
    subject: Literal["", "person"] = ""
    model: bool = False
    why: str = Field(min_length=1)
    hint: str = Field(min_length=1)

    @field_validator("grammar")
    @classmethod
    def _known_category(cls, grammar: str) -> str:
        if grammar and grammar not in CATEGORIES:
            raise ValueError(
                f"unknown grammar category {grammar!r}; known: {', '.join(CATEGORIES)}"
            )
        return grammar

    @model_validator(mode="after")
    def _one_kind(self) -> _RuleModel:
        if sum((bool(self.pattern), bool(self.grammar), self.model)) > 1:
            raise ValueError("a rule has one of a pattern, a grammar category or model: true")
        return self


class _FileModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[_RuleModel]


def load_rules(*paths: Path) -> list[Rule]:
    """Rules from every file in order; raises ``SourceErrors`` listing every problem with its
    file and line (unreadable file, YAML, a missing field, a pattern that does not compile)."""
    merged: dict[str, Rule] = {}
    errors: list[SourceError] = []
    for path in paths:
        try:
            for rule in _read(path):
                merged[rule.id] = rule
        except SourceErrors as problems:
            errors += problems.errors
    if errors:
        raise SourceErrors(errors)
    return [rule for rule in merged.values() if rule.pattern or rule.grammar or rule.model]


def _read(path: Path) -> list[Rule]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SourceErrors(
            [SourceError(str(path), None, "", f"cannot read the rules file: {error.strerror}")]
        ) from None
    data = load_yaml(text, str(path))
    model = validate(_FileModel, data, str(path))
    rules, errors = [], []
    for index, item in enumerate(model.rules):
        rule = Rule(
            item.id,
            item.pattern,
            item.why.strip(),
            item.hint.strip(),
            item.grammar,
            item.subject,
            item.model,
        )
        try:
            compile_rule(rule)
        except InvalidRule as error:
            errors.append(
                SourceError(
                    str(path),
                    line_at(data, ("rules", index, "pattern")),
                    f"rules[{index}].pattern",
                    str(error),
                )
            )
        rules.append(rule)
    if errors:
        raise SourceErrors(errors)
    return rules
