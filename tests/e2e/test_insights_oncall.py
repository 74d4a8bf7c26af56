"""The on-call load on ``/insights`` over real HTTP, on the seeded history and a config of its four
weekly schedules: the page's tables and CSVs equal the hours computed here by hand, and the same
tables ``warroom report`` prints (tests/insights/test_report_cli.py checks those by hand too)."""

from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from tests.e2e import test_webapp as webapp
from tests.e2e.conftest import Bot
from tests.e2e.test_insights_page import download, page_table
from tests.insights.history import SeededHistory, generate, insert_history
from tests.insights.test_report_cli import NAMES, WARROOM, hand_hours, write_config

web, web_settings, http = webapp.web, webapp.web_settings, webapp.http
SCOPE = "since=2025-03-01&until=2025-08-31"


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    return write_config(tmp_path / "config")


@pytest.fixture
def seeded(engine: Engine) -> SeededHistory:
    history = generate(seed=2026, count=400, private_share=0.05)
    insert_history(engine, history)
    return history


def reported(database_url: str, config_dir: Path, slug: str) -> list[list[str]]:
    scope = ["--since", "2025-03-01", "--until", "2025-08-31"]
    done = subprocess.run(
        [WARROOM, "report", *scope, "--format", "csv", "--section", slug],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": database_url, "CONFIG_DIR": str(config_dir)},
    )
    return list(csv.reader(io.StringIO(done.stdout)))[1:]  # under the row naming the section


def test_the_oncall_load_is_on_the_page_and_in_its_csvs(
    web: Bot,
    http: httpx.Client,
    seeded: SeededHistory,
    database_url: str,
    config_dir: Path,
) -> None:
    webapp.sign_in(http, web)
    html = http.get(f"{web.url}/insights?{SCOPE}").text
    for title in ("Hours on call per person", "Pages and acknowledgements per person"):
        assert title in html
    assert 'id="oncall-hours-table"' in html

    hours = page_table(html, "oncall-hours")
    assert hours[0] == ["Person", "Zone", "Hours", "Business", "Evenings", "Nights", "Weekends"]
    parts, _ = hand_hours()
    expected = {
        NAMES[person]: [
            f"{sum(counted.values()):.1f}",
            *(f"{counted[p]:.1f}" for p in ("Business", "Evenings", "Nights", "Weekends")),
        ]
        for person, counted in parts.items()
    }
    assert {row[0]: row[2:] for row in hours[1:]} == expected

    for slug in ("oncall-hours", "oncall-pages", "oncall-fairness"):
        csv_rows = download(http, web, slug, SCOPE)
        assert csv_rows == page_table(html, slug)
        assert csv_rows == reported(database_url, config_dir, slug)


def test_an_unknown_chart_is_still_a_404(web: Bot, http: httpx.Client) -> None:
    webapp.sign_in(http, web)
    answer = http.get(f"{web.url}/insights/oncall-nope.csv")
    assert answer.status_code == 404
    assert "oncall-hours" in answer.text  # the choices are named
