"""The trained model beside the blame grammar: what it flags that the grammar misses, which of
the grammar's person-made changes it confirms, what it leaves alone, what its finding says,
that a team can switch it off, that the runtime needs no scikit-learn or numpy, and that the
shipped weights are what training on the corpus gives."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.postmortems.domain.blame_model import WEIGHTS
from bot.postmortems.domain.blameless import Rule, check
from bot.postmortems.rules import load_rules

ROOT = Path(__file__).parents[2]
SHIPPED_RULES = ROOT / "postmortems" / "blameless-rules.yaml"
PEOPLE = ["Priya Raman", "Tomasz Nowak", "U0AB12CD"]


@pytest.fixture(scope="module")
def rules() -> list[Rule]:
    return load_rules(SHIPPED_RULES)


# Written for this test, in none of the corpus parts: blame in ordinary words that no grammar
# category reads.
@pytest.mark.parametrize(
    "text",
    [
        "The on-call engineer assumed the alert was noise and went back to sleep.",
        "The new hire copied the staging config over production's and the queue workers lost "
        "their credentials.",
    ],
)
def test_the_model_flags_blame_the_grammar_misses(rules: list[Rule], text: str) -> None:
    (finding,) = check(text, rules, PEOPLE)

    assert finding.rule == "reads-like-blame"
    assert finding.sentence == text
    assert "words that weighed most" in finding.why
    assert "<person>" in finding.why  # the person, not the word PERSON
    assert finding.hint.startswith("Make the system or the change the subject")


@pytest.mark.parametrize(
    "text",
    [
        "The disk on db-3 filled up and the primary stopped accepting writes.",
        "The certificate expired because the renewal job had been failing silently for a month.",
        "At 14:02 the error rate crossed 5% and the alert paged Priya.",
        "Tomasz posted the first status update at 14:10.",
        "Priya rolled back the release at 14:20 and the error rate returned to baseline.",
        'The status page read "We are investigating elevated error rates".',
        'Tomasz wrote in the channel: "I think the deploy broke checkout".',
        "The DBA truncated the temp table to free disk space.",
    ],
)
def test_the_model_leaves_systems_times_quotes_and_fixes_alone(
    rules: list[Rule], text: str
) -> None:
    assert check(text, rules, PEOPLE) == []


# A person's change to a live system is the grammar's ``change`` category; alone, it stands only
# where the sentence reads like blame.
@pytest.mark.parametrize(
    ("text", "blame"),
    [
        ("Tomasz opened a bridge and restarted the consumer pods.", False),
        ("Tomasz ran the weekly reindex as usual; the job now also rewrites the aliases.", False),
        ("Tomasz bumped the homepage TTL from 3600 to 30 and the origin fell over.", True),
        ("Tomasz flipped the payment gateway to sandbox mode right before the sale.", True),
    ],
)
def test_a_persons_change_is_blame_where_the_sentence_reads_like_blame(
    rules: list[Rule], text: str, blame: bool
) -> None:
    without_model = [rule for rule in rules if not rule.model]

    assert [f.rule for f in check(text, without_model, PEOPLE)] == ["person-change"]
    assert [f.rule for f in check(text, rules, PEOPLE)] == (["person-change"] if blame else [])


def test_a_model_finding_locates_its_sentence_in_the_text(rules: list[Rule]) -> None:
    text = (
        "# Post-mortem\n\n## Trigger\n\nThe disk filled up. "
        "The on-call engineer assumed the alert was noise and went back to sleep.\n"
    )

    (finding,) = check(text, rules, PEOPLE)

    assert finding.section == "trigger"
    assert text[finding.start : finding.end] == finding.sentence


def test_a_team_file_can_switch_the_model_off(tmp_path: Path) -> None:
    team = tmp_path / "team-rules.yaml"
    team.write_text(
        "rules:\n  - id: reads-like-blame\n    model: false\n"
        "    why: switched off\n    hint: none\n"
    )
    rules = load_rules(SHIPPED_RULES, team)

    assert "reads-like-blame" not in {rule.id for rule in rules}
    assert (
        check("The on-call engineer assumed the alert was noise and went back to sleep.", rules)
        == []
    )


def test_a_rule_is_either_a_pattern_or_the_model(tmp_path: Path) -> None:
    from bot.kernel.yamlsource import SourceErrors

    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - id: x\n    pattern: oops\n    model: true\n    why: w\n    hint: h")

    with pytest.raises(SourceErrors, match="one of a pattern, a grammar category or model"):
        load_rules(bad)


def test_checking_needs_neither_scikit_learn_nor_numpy() -> None:
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from bot.postmortems.domain.blameless import check\n"
        "from bot.postmortems.rules import load_rules\n"
        f"rules = load_rules(Path({str(SHIPPED_RULES)!r}))\n"
        "found = check('The on-call engineer assumed the alert was noise and went back to sleep.', "
        "rules)\n"
        "assert [f.rule for f in found] == ['reads-like-blame'], found\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'numpy'))\n"
        "assert not loaded, loaded\n"
    )

    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)

    assert done.returncode == 0, done.stderr


@pytest.mark.timeout(600)  # trains a model per corpus part to choose the cuts: about 20 s
@pytest.mark.skipif(
    bool(os.environ.get("WARROOM_TEST_DATABASE_URL")),
    reason="needs no database: checked once, in the SQLite run (CI runs both)",
)
def test_the_shipped_weights_are_what_training_on_the_corpus_gives() -> None:
    from bench.blameless import PARTS, load
    from bench.blameless_model import scored, shipped_weights

    trained = shipped_weights([scored(load(name)) for name in PARTS])

    # If this fails after a corpus or feature change: python -m bench.blameless_model --write
    assert WEIGHTS.read_text(encoding="utf-8") == trained
