"""Migration 0017 records the clocks of incidents that were already there, so the time-to-x
histograms on /metrics start with the whole history (SQLite in a fresh file)."""

from pathlib import Path

from alembic import command
from sqlalchemy import text

from bot.kernel.storage.db import make_engine
from bot.kernel.storage.migrate import alembic_config


def test_upgrading_records_the_clocks_already_set(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0016")
        connection.execute(
            text(
                "INSERT INTO incidents (id, title, description, severity, status, service, "
                "declarer_id, lead_id, provision_state, channel_name, declared_at, "
                "acknowledged_at, mitigated_at, resolved_at, roles, private, version) VALUES "
                "(1, 'a', '', 'SEV2', 'resolved', 'checkout-api', 'U1', 'U1', 'ready', 'inc-1', "
                "'2026-01-05 10:00:00', '2026-01-05 10:03:00', '2026-01-05 10:30:00', "
                "'2026-01-05 12:00:00', '{}', 0, 1), "
                "(2, 'b', '', 'SEV1', 'investigating', 'checkout-api', 'U1', 'U1', 'ready', "
                "'inc-2', '2026-01-06 10:00:00', NULL, NULL, NULL, '{}', 0, 1), "
                "(3, 'c', '', 'SEV1', 'mitigated', 'payroll', 'U1', 'U1', 'ready', 'inc-3', "
                "'2026-01-07 10:00:00', NULL, '2026-01-07 10:10:00', NULL, '{}', 1, 1)"
            )
        )
        command.upgrade(alembic_config(connection), "0017")
        rows = connection.execute(
            text(
                "SELECT clock, service, severity, le, count, seconds "
                "FROM incident_clock_buckets ORDER BY clock, service"
            )
        ).all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [
        ("acknowledge", "checkout-api", "SEV2", "300.0", 1, 180.0),
        ("mitigate", "checkout-api", "SEV2", "1800.0", 1, 1800.0),
        ("mitigate", "none", "SEV1", "600.0", 1, 600.0),  # private: under no service
        ("resolve", "checkout-api", "SEV2", "7200.0", 1, 7200.0),
    ]
