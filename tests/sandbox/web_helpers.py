"""Shared helpers for the browser-sandbox tests: a directory to render with."""

from __future__ import annotations

from warroom_sandbox.seed import ONCALL
from warroom_sandbox.web.directory import Directory
from warroom_sandbox.workspace import Workspace

NOW = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC; 23:13 in Olivia's Europe/Berlin


def directory(viewer: str = ONCALL, now: float = NOW) -> Directory:
    ws = Workspace(lambda: now)
    return Directory.of(ws, viewer)
