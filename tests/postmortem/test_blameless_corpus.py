"""The blame grammar: a fixed regression set from the corpus, how it names people, what a
finding carries, and that reading only cue lines finds what reading everything finds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.kernel.yamlsource import SourceErrors
from bot.postmortems.domain.blame_grammar import People, analyse
from bot.postmortems.domain.blameless import Rule, check, sentences
from bot.postmortems.rules import load_rules

HERE = Path(__file__).parent
SHIPPED_RULES = HERE.parents[1] / "postmortems" / "blameless-rules.yaml"
REGRESSION: dict[str, Any] = yaml.safe_load((HERE / "blameless_regression.yaml").read_text())
PEOPLE: list[str] = REGRESSION["people"]


@pytest.fixture(scope="module")
def rules() -> list[Rule]:
    return load_rules(SHIPPED_RULES)


def test_the_regression_set_covers_every_category() -> None:
    categories = {s["category"] for s in REGRESSION["sentences"]}
    assert len(REGRESSION["sentences"]) >= 60
    assert len(categories) == 15


@pytest.mark.parametrize(
    ("text", "blameful", "category"),
    [(s["text"], s["blameful"], s["category"]) for s in REGRESSION["sentences"]],
)
def test_each_regression_sentence_keeps_its_label(
    rules: list[Rule], text: str, blameful: bool, category: str
) -> None:
    findings = check(text, rules, PEOPLE)

    assert bool(findings) == blameful, (category, [f.rule for f in findings])
    assert all(f.why and f.hint and f.sentence == text for f in findings)


def test_a_grammar_finding_names_its_reason_words_and_a_rewording(rules: list[Rule]) -> None:
    text = (
        "# Post-mortem\n\n## Trigger\n\nAt 03:12 the new contractor quietly skipped the canary.\n"
    )

    (finding,) = check(text, rules, PEOPLE)

    assert finding.rule == "person-omission"
    assert finding.section == "trigger"
    assert text[finding.start : finding.end] == "the new contractor quietly skipped"
    assert finding.why.endswith('("skipped")')
    assert finding.hint.startswith("Describe what the system allowed rather than who slipped")


@pytest.mark.parametrize(
    "text",
    [
        "Daniel forgot to drain the node.",  # first name of "Daniel Kim"
        "Kim forgot to drain the node.",  # last name
        "dkim forgot to drain the node.",  # display name
        "@someone.else forgot to drain the node.",  # any handle
        "<@U0DEV01> forgot to drain the node.",  # Slack mention
        "Priya forgot to drain the node.",  # a common first name nobody configured
        "The on-call DBA forgot to drain the node.",
        "The storage team forgot to drain the node.",
        "Whoever was on call forgot to drain the node.",
    ],
)
def test_people_are_found_by_name_handle_role_team_and_pronoun(text: str) -> None:
    hits = analyse(text, People(PEOPLE))

    assert [h.category for h in hits] == ["omission"]


@pytest.mark.parametrize(
    "text",
    [
        "Daniel drained the node at 03:12.",
        "The alert paged Daniel, who drained the node.",
        "The drain step was skipped because the flag was stale.",
        "The check missed the regression.",
        'Daniel wrote "I forgot the flag" in the channel.',
        "The runbook should have covered draining the node.",
        "Anyone on call can drain the node without an approval.",
    ],
)
def test_people_acting_and_systems_failing_are_not_blame(text: str) -> None:
    assert analyse(text, People(PEOPLE)) == []


def test_a_team_can_switch_off_a_grammar_category(tmp_path: Path) -> None:
    team = tmp_path / "team-rules.yaml"
    team.write_text(
        "rules:\n"
        "  - id: person-judgement\n"
        "    pattern: ''\n"
        "    why: switched off\n"
        "    hint: switched off\n"
    )

    rules = load_rules(SHIPPED_RULES, team)

    assert check("The rollout was slapdash.", rules) == []
    assert [f.rule for f in check("Whoever merged it ignored the linter.", rules)] == [
        "person-omission"
    ]


def test_an_unknown_grammar_category_is_reported_with_its_line(tmp_path: Path) -> None:
    team = tmp_path / "team-rules.yaml"
    team.write_text("rules:\n  - id: x\n    grammar: vibes\n    why: w\n    hint: h\n")

    with pytest.raises(SourceErrors) as raised:
        load_rules(team)

    (error,) = raised.value.errors
    assert (error.line, error.field) == (3, "rules[0].grammar")
    assert "unknown grammar category 'vibes'" in error.message


_WORDS = st.sampled_from(
    [
        "Daniel",
        "dkim",
        "@sam",
        "the",
        "contractor",
        "team",
        "he",
        "nobody",
        "no",
        "one",
        "had",
        "Had",
        "if",
        "should",
        "have",
        "'ve",
        "didn't",
        "not",
        "check",
        "forgot",
        "skipped",
        "deploy",
        "failed",
        "careless",
        "'s",
        "\u2019s",
        "their",
        "mistake",
        "oversight",
        "caused",
        "by",
        "because",
        "of",
        "without",
        "review",
        "cut",
        "corners",
        ",",
        ".",
        "|",
        '"',
        "\n",
        "\n```\n",
        "Stra\u00dfe",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_WORDS, max_size=40).map(" ".join))
def test_reading_only_cue_lines_finds_what_reading_every_sentence_finds(
    rules: list[Rule], text: str
) -> None:
    grammar = [rule for rule in rules if rule.grammar]
    by_category = {rule.grammar: rule.id for rule in grammar}
    people = People(PEOPLE)
    expected = sorted(
        (by_category[hit.category], start + hit.start, start + hit.end)
        for start, sentence in sentences(text)
        for hit in analyse(sentence, people)
    )

    found = sorted((f.rule, f.start, f.end) for f in check(text, grammar, PEOPLE))

    assert found == expected
