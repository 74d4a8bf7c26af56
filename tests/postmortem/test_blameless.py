"""The blameless check against its sentence set (blameless_sentences.yaml), and its rule files."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.kernel.yamlsource import SourceErrors
from bot.postmortems.domain.blame.people import People
from bot.postmortems.domain.blame.subjects import thing_subject
from bot.postmortems.domain.blameless import Rule, check, compile_rule, sentences
from bot.postmortems.domain.prefilter import required_literals
from bot.postmortems.rules import load_rules

HERE = Path(__file__).parent
SHIPPED_RULES = HERE.parents[1] / "postmortems" / "blameless-rules.yaml"
SENTENCES: dict[str, Any] = yaml.safe_load((HERE / "blameless_sentences.yaml").read_text())
PEOPLE: list[str] = SENTENCES["people"]


@pytest.fixture(scope="module")
def rules() -> list[Rule]:
    return load_rules(SHIPPED_RULES)


def test_the_sentence_set_is_large_enough() -> None:
    assert len(SENTENCES["blameful"]) >= 25
    assert len(SENTENCES["blameless"]) >= 25


@pytest.mark.parametrize(
    ("sentence", "rule"), [(c["sentence"], c["rule"]) for c in SENTENCES["blameful"]]
)
def test_each_blameful_sentence_is_flagged_by_its_rule(
    rules: list[Rule], sentence: str, rule: str
) -> None:
    findings = check(sentence, rules, PEOPLE)

    assert rule in {f.rule for f in findings}
    assert all(f.sentence == sentence and f.why and f.hint for f in findings)


@pytest.mark.parametrize("sentence", SENTENCES["blameless"])
def test_each_blameless_sentence_is_clean(rules: list[Rule], sentence: str) -> None:
    assert check(sentence, rules, PEOPLE) == []


def test_a_finding_locates_the_words_and_the_section(rules: list[Rule]) -> None:
    text = "# Post-mortem\n\n## What went badly\n\nThe page was slow. Alice forgot to run it.\n"

    findings = check(text, rules, PEOPLE)

    assert {f.rule for f in findings} == {"person-failure-verb", "forgot-to"}
    for finding in findings:
        assert finding.section == "what-went-badly"
        assert finding.sentence == "Alice forgot to run it."
    first = findings[0]
    assert text[first.start : first.end] == "Alice forgot"


def test_table_cells_are_checked_one_by_one(rules: list[Rule]) -> None:
    text = "| 00:58 | Bob Smith noted: the cache broke | Alice |\n"

    assert check(text, rules, PEOPLE) == []
    assert [f.sentence for f in check("| 00:58 | Alice broke it | x |\n", rules, PEOPLE)] == [
        "Alice broke it"
    ]


def test_names_are_matched_as_written_so_common_words_are_not_people(rules: list[Rule]) -> None:
    assert check("The change will break the build.", rules, ["Will"]) == []
    assert [f.rule for f in check("Will broke the build.", rules, ["Will"])] == [
        "person-failure-verb"
    ]


def test_case_folding_matches_what_ignorecase_matches(rules: list[Rule]) -> None:
    assert [f.rule for f in check("It was \u017floppy.", rules)] == ["careless"]
    assert [f.rule for f in check("Straße: it was SLOPPY.", rules)] == ["careless"]
    assert [f.rule for f in check("Straße: we SHOULD HAVE paged.", rules)] == [
        "person-counterfactual"
    ]


def test_code_blocks_are_not_checked(rules: list[Rule]) -> None:
    assert check("```\nhuman error\n```\n", rules) == []


def test_a_team_file_adds_replaces_and_switches_off_rules(tmp_path: Path) -> None:
    team = tmp_path / "team-rules.yaml"
    team.write_text(
        "rules:\n"
        "  - id: yolo\n"
        "    pattern: '\\byolo\\b'\n"
        "    why: It makes the change sound reckless.\n"
        "    hint: Describe the review the change had.\n"
        "  - id: person-counterfactual\n"
        "    pattern: ''\n"
        "    why: switched off\n"
        "    hint: switched off\n"
    )

    rules = load_rules(SHIPPED_RULES, team)

    assert [f.rule for f in check("We shipped it yolo.", rules)] == ["yolo"]
    assert check("We should have paged earlier.", rules) == []
    assert [f.rule for f in check("It was human error.", rules)] == ["human-error"]


def test_a_bad_rule_file_is_reported_with_file_line_and_field(tmp_path: Path) -> None:
    team = tmp_path / "team-rules.yaml"
    team.write_text(
        "rules:\n"
        "  - id: broken\n"
        "    pattern: '(unclosed'\n"
        "    why: w\n"
        "    hint: h\n"
        "  - id: no-hint\n"
        "    pattern: x\n"
        "    why: w\n"
    )

    with pytest.raises(SourceErrors) as raised:
        load_rules(team)

    messages = [str(e) for e in raised.value.errors]
    assert messages == [f"{team}:6: rules[1].hint: Field required"]

    team.write_text(team.read_text() + "    hint: h\n")
    with pytest.raises(SourceErrors) as raised:
        load_rules(team)
    (error,) = raised.value.errors
    assert (error.file, error.line, error.field) == (str(team), 3, "rules[0].pattern")
    assert "rule 'broken'" in error.message
    assert "not a valid regex" in error.message


def test_a_missing_rule_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(SourceErrors, match="cannot read the rules file"):
        load_rules(tmp_path / "nope.yaml")


_WORDS = st.sampled_from(
    [
        "Alice",
        "alice",
        "Bob Smith",
        "<@U0LEAD>",
        "@carol",
        "broke",
        "BROKE",
        "forgot",
        "to",
        "should",
        "have",
        "Should've",
        "human",
        "Error",
        "fault",
        "at",
        "blame",
        "blameless",
        "the",
        "deploy",
        "was",
        "careless",
        "root",
        "cause",
        "by",
        "due",
        "neglected",
        ".",
        "!",
        "|",
        "\\|",
        "\n",
        "\n```\n",
        "'s",
        "\u2019s",
        "didn't",
        "bother",
        "obvious",
        "it",
        "\u017fhould",  # long s: IGNORECASE matches it as s
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_WORDS, max_size=40).map(" ".join))
def test_the_prefilter_never_changes_what_is_found(rules: list[Rule], text: str) -> None:
    """Reading only lines holding a rule's required words finds what reading everything finds."""
    patterns = [rule for rule in rules if rule.pattern]
    people = People(PEOPLE)
    expected = sorted(
        (rule.id, start + m.start(), start + m.end())
        for start, sentence in sentences(text)
        for rule in patterns
        if (m := compile_rule(rule, PEOPLE).search(sentence)) is not None
        and not (rule.subject == "person" and thing_subject(sentence, m.start(), people))
    )

    found = sorted((f.rule, f.start, f.end) for f in check(text, patterns, PEOPLE))

    assert found == expected


def test_literal_requirements_come_from_the_pattern() -> None:
    assert required_literals(re.compile(r"\b(?:human|operator)\s+error\b", re.I)) == {"error"}
    assert required_literals(re.compile(r"(?:Blames|to\s+BLAME)", re.I)) == {"blame", "blames"}
    assert required_literals(re.compile(r"\w+ed\b")) == {"ed"}
    assert required_literals(re.compile(r"\w+")) is None
    assert required_literals(re.compile(r"(?:x|\d+)")) is None
