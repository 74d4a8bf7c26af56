"""``warroom report`` run as a subprocess against a seeded history (tests/insights/history.py)
and a config of its four weekly schedules: the figures it prints equal those computed here by
hand from the generated rows, private incidents are left out, and bad arguments get a clear
message and exit code 2, never a traceback."""

from __future__ import annotations

import csv
import io
import json
import statistics
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from tests.insights.history import (
    PEOPLE,
    SCHEDULES,
    SERVICES,
    START,
    SeededHistory,
    generate,
    insert_history,
    on_call,
    schedule_of,
)

WARROOM = Path(sys.executable).parent / "warroom"
SINCE, UNTIL = date(2025, 3, 1), date(2025, 8, 31)
BEGIN = datetime(2025, 3, 1, tzinfo=UTC)
END = datetime(2025, 9, 1, tzinfo=UTC)
NAMES = {"U0ONCALL": "Olivia Oncall", "U0LEAD": "Liam Lead", "U0MGR": "Maya Manager"}
NAMES["U0BOB"] = "Bob Builder"


def write_config(folder: Path) -> Path:
    """Users in their zones; the seeded history's four schedules (weekly from its start, each a
    person further on, handing over at 00:00 UTC); each service paging its schedule."""
    folder.mkdir()
    users = ["users:"]
    for ref, zone in PEOPLE:
        users += [f"  - name: {NAMES[ref]}", f"    slack_id: {ref}", f"    tz: {zone}"]
    schedules = ["schedules:"]
    for n, name in enumerate(SCHEDULES):
        rotated = [PEOPLE[(n + k) % len(PEOPLE)][0] for k in range(len(PEOPLE))]
        schedules += [
            f"  - name: {name}",
            "    time_zone: UTC",
            "    layers:",
            "      - name: weekly",
            f"        users: [{', '.join(rotated)}]",
            f"        rotation_virtual_start: {START:%Y-%m-%d %H:%M}",
            "        turn: weekly",
        ]
    policies = ["escalation_policies:"]
    for name in SCHEDULES:
        policies += [
            f"  - name: {name}-policy",
            "    levels:",
            "      - delay_minutes: 5",
            f"        targets: [{{schedule: {name}}}]",
        ]
    services = ["services:"]
    services += [f"  - {{name: {s}, escalation_policy: {schedule_of(s)}-policy}}" for s in SERVICES]
    for name, lines in (
        ("users", users),
        ("schedules", schedules),
        ("escalation_policies", policies),
        ("services", services),
    ):
        (folder / f"{name}.yaml").write_text("\n".join(lines) + "\n")
    return folder


@pytest.fixture(scope="module")
def history() -> SeededHistory:
    return generate(seed=2026, count=400, private_share=0.05)


@pytest.fixture
def seeded(
    engine: Engine, database_url: str, history: SeededHistory, tmp_path: Path
) -> dict[str, str]:
    insert_history(engine, history)
    return {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": database_url,
        "CONFIG_DIR": str(write_config(tmp_path / "config")),
    }


def report(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [WARROOM, "report", *args], capture_output=True, text=True, check=False, env=env
    )


def sections(env: dict[str, str], *args: str) -> dict[str, list[dict[str, Any]]]:
    """The JSON report's sections: each a list of rows keyed by header."""
    done = report(env, "--since", str(SINCE), "--until", str(UNTIL), "--format", "json", *args)
    assert (done.returncode, done.stderr) == (0, "")
    data = json.loads(done.stdout)
    assert data["private_incidents"] == "left out"
    return {
        s["slug"]: [dict(zip(s["headers"], row, strict=True)) for row in s["rows"]]
        for s in data["sections"]
    }


def minutes(seconds: float) -> float:
    return float(f"{seconds / 60:.1f}")


def shown(history: SeededHistory) -> tuple[list[dict[str, Any]], set[int]]:
    """The incidents declared in the range that are not private, and the private ones' ids."""
    private = {i["id"] for i in history.incidents if i["private"]}
    incidents = [
        i for i in history.incidents if BEGIN <= i["declared_at"] < END and not i["private"]
    ]
    return incidents, private


def test_response_times_counts_and_longest_equal_the_hand_computed(
    seeded: dict[str, str], history: SeededHistory
) -> None:
    found = sections(seeded)
    incidents, private = shown(history)
    assert private, "the seeded history has private incidents to leave out"

    counts = found["severity-month"]
    assert sum(row["Total"] for row in counts) == len(incidents)

    by_severity = {row["Severity"]: row for row in found["mttx-severity"]}
    for severity in ("SEV1", "SEV2", "SEV3", "SEV4"):
        mine = [i for i in incidents if i["severity"] == severity]
        resolved = [
            (i["resolved_at"] - i["declared_at"]).total_seconds() for i in mine if i["resolved_at"]
        ]
        row = by_severity[severity]
        assert row["Incidents"] == len(mine)
        assert row["MTTR median (min)"] == minutes(statistics.median(resolved))

    longest = max(
        (i for i in incidents if i["resolved_at"]),
        key=lambda i: i["resolved_at"] - i["declared_at"],
    )
    assert found["longest"][0]["Incident"] == longest["id"]

    in_range = [
        a
        for a in history.alerts
        if BEGIN <= a["starts_at"] < END and a["incident_id"] not in private
    ]
    assert sum(row["Alerts"] for row in found["alerts-rule"]) == len(in_range)


def hand_hours(
    begin: datetime = BEGIN, end: datetime = END
) -> tuple[dict[str, Counter[str]], dict[str, Counter[str]]]:
    """Hour by hour: who each schedule has on call, and which part of their week it is for
    them; and each schedule's hours per person."""
    zones = dict(PEOPLE)
    parts: dict[str, Counter[str]] = defaultdict(Counter)
    per_schedule: dict[str, Counter[str]] = defaultdict(Counter)
    hour = begin
    while hour < end:
        for schedule in SCHEDULES:
            person = on_call(SERVICES[SCHEDULES.index(schedule) * 3], hour)
            local = hour.astimezone(ZoneInfo(zones[person]))
            if local.weekday() >= 5:
                part = "Weekends"
            elif 9 <= local.hour < 18:
                part = "Business"
            elif 18 <= local.hour < 23:
                part = "Evenings"
            else:
                part = "Nights"
            parts[person][part] += 1
            per_schedule[schedule][person] += 1
        hour += timedelta(hours=1)
    return parts, per_schedule


def test_the_oncall_load_equals_the_hand_computed(
    seeded: dict[str, str], history: SeededHistory
) -> None:
    found = sections(seeded)
    zones = dict(PEOPLE)
    parts, per_schedule = hand_hours()

    rows = {row["Person"]: row for row in found["oncall-hours"]}
    assert set(rows) == {NAMES[p] for p in parts}
    for person, counted in parts.items():
        row = rows[NAMES[person]]
        assert row["Zone"] == zones[person]
        assert row["Hours"] == sum(counted.values())
        for part in ("Business", "Evenings", "Nights", "Weekends"):
            assert row[part] == counted[part], (person, part)

    _, private = shown(history)
    incident_of = {p["id"]: p for p in history.pages}
    pages: Counter[str] = Counter()
    nights: Counter[str] = Counter()
    acks: dict[str, list[float]] = defaultdict(list)
    for delivery in history.deliveries:
        page = incident_of[delivery["page_id"]]
        if page["incident_id"] in private or not BEGIN <= delivery["created_at"] < END:
            continue
        person = delivery["user_ref"]
        pages[person] += 1
        local = delivery["created_at"].astimezone(ZoneInfo(zones[person]))
        nights[person] += local.hour >= 23 or local.hour < 9
        if page["acknowledged_by"] == person:
            acks[person].append((page["acknowledged_at"] - delivery["created_at"]).total_seconds())
    paged = {row["Person"]: row for row in found["oncall-pages"]}
    assert set(paged) == {NAMES[p] for p in pages}
    for person, count in pages.items():
        row = paged[NAMES[person]]
        assert (row["Pages"], row["Night pages"]) == (count, nights[person])
        assert row["Acknowledged"] == len(acks[person])
        assert row["Ack median (min)"] == minutes(statistics.median(acks[person]))

    fairness = {row["Schedule"]: row for row in found["oncall-fairness"]}
    for schedule, hours in per_schedule.items():
        values = list(hours.values())
        mean = statistics.fmean(values)
        row = fairness[schedule]
        assert (row["People"], row["Most hours"], row["Fewest hours"]) == (
            len(values),
            max(values),
            min(values),
        )
        assert row["Variation"] == float(f"{statistics.pstdev(values) / mean:.2f}")


def test_a_service_scopes_every_part(seeded: dict[str, str], history: SeededHistory) -> None:
    found = sections(seeded, "--service", "payments")
    assert [row["Service"] for row in found["mttx-service"]] == ["payments"]
    incidents, _ = shown(history)
    assert sum(row["Total"] for row in found["severity-month"]) == len(
        [i for i in incidents if i["service"] == "payments"]
    )
    assert {row["Schedule"] for row in found["oncall-fairness"]} == {schedule_of("payments")}


def test_markdown_and_csv_print_the_same_tables(seeded: dict[str, str]) -> None:
    args = ("--since", str(SINCE), "--until", str(UNTIL), "--section", "mttx-severity")
    markdown = report(seeded, *args)
    assert markdown.returncode == 0
    lines = markdown.stdout.splitlines()
    assert lines[0] == "# warroom report: 2025-03-01 to 2025-08-31 (UTC)"
    assert "## MTTA, MTTM and MTTR by severity" in lines
    assert "## Hours on call per person" not in lines  # only the section asked for
    table = [line for line in lines if line.startswith("| SEV")]
    assert len(table) == 4

    csv_out = report(seeded, *args, "--format", "csv")
    assert csv_out.returncode == 0
    rows = list(csv.reader(io.StringIO(csv_out.stdout)))
    assert rows[0] == ["mttx-severity: MTTA, MTTM and MTTR by severity"]
    assert rows[1][:3] == ["Severity", "Incidents", "MTTA median (min)"]
    first_md = [cell.strip() for cell in table[0].strip("|").split("|")]
    assert rows[2] == first_md
    assert len(rows) == 2 + 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "2026-13-01"], "argument --since: '2026-13-01' is not a date"),
        (["--since", "yesterday"], "write it like 2026-01-31"),
        ([], "the following arguments are required: --since"),
        (["--since", "2026-02-01", "--until", "2026-01-01"], "--since 2026-02-01 is after"),
        (["--since", "2026-01-01", "--format", "xml"], "argument --format: invalid choice"),
        (["--since", "2026-01-01", "--section", "nope"], "argument --section: invalid choice"),
        (["--since", "2026-01-01", "--service", "payment"], "did you mean 'payments'?"),
    ],
)
def test_bad_arguments_are_named_with_exit_code_2(
    seeded: dict[str, str], args: list[str], message: str
) -> None:
    done = report(seeded, *args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert message in done.stderr
    assert "usage: warroom report" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_database_not_migrated_is_said_with_exit_code_1(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    done = report(env, "--since", "2026-01-01")
    assert (done.returncode, done.stdout) == (1, "")
    assert "run `warroom migrate`" in done.stderr
    assert "Traceback" not in done.stderr
