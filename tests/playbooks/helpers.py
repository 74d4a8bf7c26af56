"""Writing playbook files for tests, and an incident to fill templates in."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from textwrap import dedent

from bot.incidents.domain.incident import Incident, declare
from bot.incidents.domain.severity import Severity

FLAG_PLAYBOOK = """\
title: Turn off a flag
description: Turn it off.
when:
  services: [checkout-api]
  severities: [sev1, sev2]
vars:
  flag: new-checkout-flow
steps:
  - id: check
    title: Check the blast radius
    instructions: Look at {{ incident.service }} for {{ flag }}.
    links:
      - title: Dashboard
        url: https://grafana.example.com/d/{{ incident.service }}
  - id: disable
    title: Disable it
    action: feature_flag.disable
    params:
      provider: launchdarkly
      flag: "{{ flag }}"
      environment: production
"""


def write(folder: Path, name: str, text: str) -> Path:
    """``folder/name`` holding ``text`` (dedented), with a modification time that differs from any
    earlier version's even on coarse clocks."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    existed = path.exists()
    previous = path.stat().st_mtime if existed else 0.0
    path.write_text(dedent(text), encoding="utf-8")
    if existed:
        os.utime(path, (previous + 5, previous + 5))
    return path


def incident(service: str | None = "checkout-api", severity: Severity = Severity.SEV2) -> Incident:
    declared, _ = declare(
        number=42,
        title="Checkout errors",
        severity=severity,
        declarer="U0LEAD",
        now=datetime(2024, 5, 1, 9, 0, tzinfo=UTC),
        service=service,
    )
    return declared
