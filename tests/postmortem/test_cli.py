"""``warroom postmortem render``: prints the draft of an incident recorded in the database
(SQLite, or PostgreSQL with WARROOM_TEST_DATABASE_URL), or says clearly what is wrong."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.cli import main
from bot.incidents.rows import IncidentRow
from bot.kernel.storage.db import make_session_factory
from tests.postmortem.recorded import recorded_incident, store

REPO = Path(__file__).parents[2]
GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The shipped post-mortem folder with the team's time zone set."""
    copy = tmp_path / "postmortems"
    shutil.copytree(REPO / "postmortems", copy, ignore=shutil.ignore_patterns("published"))
    (copy / "config.yaml").write_text("time_zone: Europe/Berlin\n")
    return copy


@pytest.fixture
def recorded(engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("CONFIG_DIR", str(REPO / "config"))  # its users.yaml names the people
    with make_session_factory(engine).begin() as session:
        return store(session, recorded_incident())


@pytest.mark.parametrize(("args", "golden"), [([], "default"), (["--template", "short"], "short")])
def test_render_prints_the_draft(
    recorded: int,
    folder: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    golden: str,
) -> None:
    code = main(["postmortem", "render", str(recorded), "--templates", str(folder), *args])

    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert out == (GOLDEN / f"{golden}.md").read_text(encoding="utf-8")


def test_an_unknown_incident_is_a_clear_error(
    recorded: int, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["postmortem", "render", "99", "--templates", str(folder)])

    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert err == "warroom: there is no incident #99\n"


def test_an_unknown_template_names_the_available_ones(
    recorded: int, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["postmortem", "render", "1", "--templates", str(folder), "--template", "long"])

    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert err == "warroom: no post-mortem template 'long'; available: default, short\n"


def test_a_broken_template_is_reported_with_file_and_line(
    recorded: int, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "short.md.j2").write_text("# {{ title }}\n{{ clocks.resolvd }}\n")

    code = main(["postmortem", "render", "1", "--templates", str(folder)])

    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert err.startswith(f"{folder / 'short.md.j2'}:2: cannot render: ")
    assert err.endswith(f"post-mortem folder {folder}: fix the errors above\n")


def test_blame_in_the_record_is_reported_beside_the_draft(
    engine: Engine, recorded: int, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with make_session_factory(engine).begin() as session:
        session.get_one(IncidentRow, recorded).description = "Root cause: human error."

    code = main(["postmortem", "render", "1", "--templates", str(folder)])

    out, err = capsys.readouterr()
    assert code == 0
    assert "Root cause: human error." in out
    assert err.startswith("blameless check: [summary] 'Root cause: human error.': ")


def test_a_word_is_not_an_incident_number(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["postmortem", "render", "checkout"])

    assert exited.value.code == 2
    assert "'checkout' is not an incident number; write e.g. 42" in capsys.readouterr().err
