"""Loading folders of playbooks: bad files stay out and say why, later folders override."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.incidents.domain.severity import Severity
from bot.playbooks import PlaybookLibrary, PlaybookUnavailable
from tests.playbooks.helpers import FLAG_PLAYBOOK, write

MANUAL = """\
title: {title}
when:
  severities: [{severity}]
steps:
  - id: check
    instructions: Look.
"""
BROKEN = """\
steps:
  - id: check
    action: kubernetes.scael
"""


def manual(title: str = "Manual", severity: str = "sev1") -> str:
    return MANUAL.format(title=title, severity=severity)


def test_a_broken_file_does_not_stop_the_others(tmp_path: Path) -> None:
    write(tmp_path, "flag.yaml", FLAG_PLAYBOOK)
    write(tmp_path, "sev1.yaml", manual())
    write(tmp_path, "scale.yaml", BROKEN)
    write(tmp_path, "README.md", "# not a playbook")
    library = PlaybookLibrary.load(tmp_path)
    assert list(library.playbooks) == ["flag", "sev1"]
    assert [str(e) for e in library.errors["scale"]] == [
        f"{tmp_path}/scale.yaml:3: steps[0].action: unknown action 'kubernetes.scael' (hint: "
        "did you mean 'kubernetes.scale'?; actions are: feature_flag.disable, kubernetes.scale, "
        "http.request)"
    ]
    with pytest.raises(PlaybookUnavailable) as unavailable:
        library.get("scale")
    assert unavailable.value.message == (
        "Playbook `scale` cannot be used: its file has 1 error:\n"
        f"• `{tmp_path}/scale.yaml:3: steps[0].action: unknown action 'kubernetes.scael' (hint: "
        "did you mean 'kubernetes.scale'?; actions are: feature_flag.disable, kubernetes.scale, "
        "http.request)`\n"
        "Fix the file (check it with `warroom playbooks check`); the bot picks up the change by "
        "itself."
    )


def test_an_unknown_name_lists_the_known_ones(tmp_path: Path) -> None:
    write(tmp_path, "feature-flag-disable.yaml", FLAG_PLAYBOOK)
    write(tmp_path, "sev1.yaml", manual())
    library = PlaybookLibrary.load(tmp_path)
    with pytest.raises(PlaybookUnavailable) as unknown:
        library.get("feature-flag-disabel")
    assert unknown.value.message == (
        "There is no playbook called `feature-flag-disabel` (did you mean "
        "'feature-flag-disable'?). Known playbooks: `feature-flag-disable`, `sev1`. "
        "`/incident playbook` lists the ones for this incident."
    )
    assert isinstance(unknown.value, LookupError)


def test_a_later_folder_overrides_a_playbook_with_a_warning(tmp_path: Path) -> None:
    shipped, extra = tmp_path / "playbooks", tmp_path / "extra"
    write(shipped, "sev1.yaml", manual("Shipped"))
    write(shipped, "flag.yaml", FLAG_PLAYBOOK)
    write(extra, "sev1.yaml", manual("Ours"))
    write(extra, "team.yml", manual("Team only"))
    library = PlaybookLibrary.load(shipped, None, extra)
    assert library.get("sev1").title == "Ours"
    assert library.get("sev1").source == str(extra / "sev1.yaml")
    assert list(library.playbooks) == ["flag", "sev1", "team"]
    assert library.errors == {}
    assert [str(w) for w in library.warnings] == [
        f"{extra}/sev1.yaml: name: replaces the playbook 'sev1' of {shipped}/sev1.yaml (hint: "
        "this is expected for a local override; rename the file to keep both)"
    ]


def test_a_broken_override_makes_the_playbook_unavailable(tmp_path: Path) -> None:
    """Running the shipped version instead would run what its owners meant to replace."""
    shipped, extra = tmp_path / "playbooks", tmp_path / "extra"
    write(shipped, "scale.yaml", manual("Shipped"))
    write(extra, "scale.yaml", BROKEN)
    library = PlaybookLibrary.load(shipped, extra)
    assert "scale" not in library.playbooks
    with pytest.raises(PlaybookUnavailable, match=f"`{extra}/scale.yaml:3: steps"):
        library.get("scale")


def test_a_good_override_of_a_broken_file_is_used_and_the_error_still_reported(
    tmp_path: Path,
) -> None:
    shipped, extra = tmp_path / "playbooks", tmp_path / "extra"
    write(shipped, "scale.yaml", BROKEN)
    write(extra, "scale.yaml", manual("Fixed"))
    library = PlaybookLibrary.load(shipped, extra)
    assert library.get("scale").title == "Fixed"
    assert [e.file for e in library.all_errors] == [str(shipped / "scale.yaml")]


def test_a_yaml_and_yml_file_of_the_same_name_are_ambiguous(tmp_path: Path) -> None:
    write(tmp_path, "sev1.yaml", manual())
    write(tmp_path, "sev1.yml", manual("Other"))
    library = PlaybookLibrary.load(tmp_path)
    assert library.playbooks == {}
    assert [str(e) for e in library.errors["sev1"]] == [
        f"{tmp_path}/sev1.yml: another file in {tmp_path} is also called 'sev1' (.yaml and .yml) "
        "(hint: keep one of them)"
    ]


def test_a_missing_folder_is_a_warning(tmp_path: Path) -> None:
    library = PlaybookLibrary.load(tmp_path / "nope")
    assert library.playbooks == {}
    assert [str(w) for w in library.warnings] == [
        f"{tmp_path}/nope: playbooks folder not found (hint: create it, or point PLAYBOOKS_DIR / "
        "EXTRA_PLAYBOOKS_DIR at the right one)"
    ]


def test_applicable_lists_the_services_own_playbooks_first(tmp_path: Path) -> None:
    write(tmp_path, "flag.yaml", FLAG_PLAYBOOK)  # checkout-api, sev1 and sev2
    write(tmp_path, "sev1.yaml", manual("SEV1", "sev1"))
    write(tmp_path, "minor.yaml", manual("Minor", "sev4"))
    write(tmp_path, "scale.yaml", BROKEN)
    library = PlaybookLibrary.load(tmp_path)

    def names(service: str | None, severity: Severity, listed: tuple[str, ...] = ()) -> list[str]:
        return [p.name for p in library.applicable(service, severity, listed=listed)]

    assert names("checkout-api", Severity.SEV1) == ["flag", "sev1"]
    assert names("checkout-api", Severity.SEV3) == []
    assert names("payment-gateway", Severity.SEV1) == ["sev1"]
    assert names("payment-gateway", Severity.SEV1, ("minor", "scale", "unknown", "minor")) == [
        "minor",
        "sev1",
    ]
    assert names("checkout-api", Severity.SEV2, ("minor", "flag")) == ["minor", "flag"]


def test_applicable_matches_alert_labels(tmp_path: Path) -> None:
    write(
        tmp_path,
        "db.yaml",
        """\
        when:
          labels: {alertname: PostgresPrimaryDown}
        steps:
          - id: check
            instructions: Look.
        """,
    )
    library = PlaybookLibrary.load(tmp_path)
    firing = {"alertname": "PostgresPrimaryDown", "cluster": "payments-db"}
    assert [p.name for p in library.applicable(None, Severity.SEV1, firing)] == ["db"]
    assert library.applicable(None, Severity.SEV1) == []
