"""Template folders are validated before use: syntax errors, unknown variables and misspelt
attributes are reported with file and line; the config's choices must name real templates."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from bot.incidents.domain.severity import Severity
from bot.kernel.yamlsource import SourceErrors
from bot.postmortems.config import PostmortemConfig, load_postmortem_config
from bot.postmortems.sample import sample_inputs
from bot.postmortems.templates import TemplateProblem, Templates, UnknownTemplate

SHIPPED = Path(__file__).parents[2] / "postmortems"


def folder_with(tmp_path: Path, **templates: str) -> Path:
    for name, text in templates.items():
        (tmp_path / f"{name}.md.j2").write_text(text, encoding="utf-8")
    return tmp_path


def problems(*folders: Path, config: PostmortemConfig | None = None) -> list[str]:
    with pytest.raises(TemplateProblem) as raised:
        Templates.load(folders, config)
    return [str(e) for e in raised.value.errors]


def test_the_shipped_templates_load() -> None:
    templates = Templates.load([SHIPPED])

    assert {"default", "short"} <= set(templates.names)


def test_a_syntax_error_is_reported_with_file_and_line(tmp_path: Path) -> None:
    folder = folder_with(
        tmp_path, default="# {{ title }}\n\n{% for r in responders %}\n- {{ r.name }}\n"
    )

    (message,) = problems(folder, config=PostmortemConfig(by_severity={}))

    assert message.startswith(f"{folder / 'default.md.j2'}:4: syntax error: ")
    assert "endfor" in message


def test_an_unknown_variable_is_reported_with_file_and_line(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, default="# {{ title }}\n\nLead: {{ incident_lead }}\n")

    assert problems(folder, config=PostmortemConfig(by_severity={})) == [
        f"{folder / 'default.md.j2'}:3: unknown variable 'incident_lead' "
        "(hint: the variables are listed in postmortems/README.md)"
    ]


def test_a_misspelt_attribute_is_caught_by_strict_undefined(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, default="# {{ title }}\n\n\nDetected: {{ clocks.detectd }}\n")

    (message,) = problems(folder, config=PostmortemConfig(by_severity={}))

    assert message.startswith(f"{folder / 'default.md.j2'}:4: cannot render: ")
    assert "detectd" in message


def test_any_failure_while_rendering_is_reported_with_its_line(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, default="# {{ title }}\n{{ number // 0 }}\n")

    (message,) = problems(folder, config=PostmortemConfig(by_severity={}))

    assert message.startswith(f"{folder / 'default.md.j2'}:2: cannot render: ")
    assert "division" in message


def test_template_loop_variables_and_sets_are_not_unknown(tmp_path: Path) -> None:
    folder = folder_with(
        tmp_path,
        default="{% set n = timeline | length %}{% for row in timeline %}{{ row.utc }}{% endfor %}"
        "{{ n }}\n",
    )

    templates = Templates.load([folder], PostmortemConfig(by_severity={}))

    assert templates.render("default", sample_inputs()).endswith("17\n")


def test_every_template_is_checked_and_every_problem_reported(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, default="{{ nope }}\n", short="{% if %}\n")

    found = problems(folder)

    assert len(found) == 2
    assert any("default.md.j2:1: unknown variable 'nope'" in m for m in found)
    assert any("short.md.j2:1: syntax error" in m for m in found)


def test_a_team_folder_overrides_a_shipped_template_by_name(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, short="Short: {{ title }}\n", sev1="SEV1: {{ title }}\n")

    templates = Templates.load([folder, SHIPPED])

    assert templates.render("short", sample_inputs()) == "Short: Sample incident\n"
    assert templates.names == ["default", "sev1", "short"]


def test_rendering_an_unknown_template_names_the_known_ones() -> None:
    templates = Templates.load([SHIPPED])

    with pytest.raises(UnknownTemplate, match="no post-mortem template 'long'; available: "):
        templates.render("long", sample_inputs())


def test_the_choice_goes_by_service_then_severity_then_default(tmp_path: Path) -> None:
    config_file = tmp_path / "config.yaml"
    config_file.write_text(
        "time_zone: Europe/Berlin\n"
        "templates:\n"
        "  default: default\n"
        "  by_severity:\n"
        "    sev4: short\n"
        "  by_service:\n"
        "    payments: default\n"
    )
    templates = Templates.load([SHIPPED], load_postmortem_config(config_file))

    assert templates.choose(Severity.SEV4, "payments") == "default"
    assert templates.choose(Severity.SEV4, "search") == "short"
    assert templates.choose(Severity.SEV3, None) == "default"  # the file replaced the defaults


def test_without_a_config_file_minor_incidents_get_the_short_template(tmp_path: Path) -> None:
    config = load_postmortem_config(tmp_path / "config.yaml")

    assert [config.choose(s, None) for s in Severity] == ["default", "default", "short", "short"]
    assert config.time_zone.key == "UTC"


def test_a_choice_of_a_missing_template_is_reported_where_the_config_names_it(
    tmp_path: Path,
) -> None:
    config_file = tmp_path / "config.yaml"
    config_file.write_text("templates:\n  by_service:\n    payments: detailed\n")

    found = problems(SHIPPED, config=load_postmortem_config(config_file))

    assert found == [
        f"{config_file}:3: templates.by_service.payments: no template 'detailed' "
        "(hint: available: default, short)"
    ]


def test_config_errors_name_file_line_and_field(tmp_path: Path) -> None:
    config_file = tmp_path / "config.yaml"
    config_file.write_text(
        "time_zone: Europe/Berln\ntemplates:\n  by_severity:\n    sev9: short\ncolour: red\n"
    )

    with pytest.raises(SourceErrors) as raised:
        load_postmortem_config(config_file)

    found = [str(e) for e in raised.value.errors]
    assert any(
        m.startswith(f"{config_file}:1: time_zone: ") and "unknown time zone 'Europe/Berln'" in m
        for m in found
    )
    assert any(
        m.startswith(f"{config_file}:4: templates.by_severity: ") and "'sev9'" in m for m in found
    )
    assert any(m.startswith(f"{config_file}:5: colour: ") for m in found)


def test_extra_folders_and_rules_in_the_config_are_relative_to_it(tmp_path: Path) -> None:
    shutil.copytree(SHIPPED, tmp_path / "postmortems")
    (tmp_path / "team").mkdir()
    folder_with(tmp_path / "team", sev1="SEV1 {{ title }}\n")
    (tmp_path / "postmortems" / "config.yaml").write_text(
        "templates:\n  by_severity:\n    SEV1: sev1\nextra_template_folders: [../team]\n"
    )
    config = load_postmortem_config(tmp_path / "postmortems" / "config.yaml")

    templates = Templates.for_config(config, tmp_path / "postmortems")

    assert templates.choose(Severity.SEV1, None) == "sev1"
    assert templates.render("sev1", sample_inputs()) == "SEV1 Sample incident\n"


def test_a_missing_template_folder_is_reported(tmp_path: Path) -> None:
    assert problems(tmp_path / "nope", SHIPPED) == [
        f"{tmp_path / 'nope'}: template folder not found (hint: create it or fix the path)"
    ]


def test_table_cells_in_the_shipped_templates_escape_pipes() -> None:
    sample = sample_inputs()
    row = replace(sample.timeline[0], event="p99 | p50", actor="A|B")
    markdown = Templates.load([SHIPPED]).render("default", replace(sample, timeline=[row]))

    assert "| p99 \\| p50 | A\\|B |" in markdown


def test_required_sections_are_per_template_by_heading_or_id(tmp_path: Path) -> None:
    assert load_postmortem_config(tmp_path / "none.yaml").required("default") == frozenset(
        {"summary", "impact", "contributing-factors", "action-items"}
    )
    path = tmp_path / "config.yaml"
    path.write_text(
        "required_sections:\n  default: [Summary, What went well]\n  extra: []\n", "utf-8"
    )
    config = load_postmortem_config(path)
    assert config.required("default") == {"summary", "what-went-well"}
    assert config.required("extra") == frozenset()
    assert config.required("short") == {"summary", "action-items"}  # built in, not listed
    assert "action-items" in config.required("other")


def test_without_a_team_time_zone_there_is_no_local_time_column() -> None:
    inputs = replace(sample_inputs(), time_zone="UTC")
    text = Templates.load().render("default", inputs)
    assert "Local" not in text
    assert "| Time (UTC) | Event | Actor |" in text
    assert "| Clock | UTC |\n|---|---|\n" in text
