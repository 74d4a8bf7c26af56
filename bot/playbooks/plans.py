"""The port to the automated actions, and plans as stored data.

A confirmation modal shows a ``Plan``; the run must do exactly that plan, not a fresh one read a
minute later, so the plan is stored (JSON) between the modal and the durable timer that runs it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from bot.playbooks.actions.base import HttpCall, Outcome, Plan, Undo


class ActionPort(Protocol):
    """What the playbook use cases need from ``bot.playbooks.actions.registry.Actions``."""

    def plan(self, action: str, params: Mapping[str, Any]) -> Plan: ...

    def run(self, plan: Plan, idempotency_key: str) -> Outcome: ...

    def undo_plan(self, undo: Undo) -> Plan: ...

    def dry_run_note(self, plan: Plan) -> str | None: ...


def plan_to_json(plan: Plan) -> dict[str, Any]:
    return {
        "action": plan.action,
        "params": dict(plan.params),
        "target": plan.target,
        "before": plan.before,
        "after": plan.after,
        "calls": [
            {"method": c.method, "url": c.url, "headers": dict(c.headers), "body": c.body}
            for c in plan.calls
        ],
        "changes_nothing": plan.changes_nothing,
        "state": dict(plan.state),
    }


def plan_from_json(data: Mapping[str, Any]) -> Plan:
    return Plan(
        action=str(data["action"]),
        params=dict(data.get("params") or {}),
        target=str(data.get("target") or ""),
        before=str(data.get("before") or ""),
        after=str(data.get("after") or ""),
        calls=tuple(
            HttpCall(
                method=str(call["method"]),
                url=str(call["url"]),
                headers=dict(call.get("headers") or {}),
                body=call.get("body"),
            )
            for call in data.get("calls") or []
        ),
        changes_nothing=bool(data.get("changes_nothing")),
        state=dict(data.get("state") or {}),
    )


def undo_to_json(undo: Undo) -> dict[str, Any]:
    return {"action": undo.action, "params": dict(undo.params), "summary": undo.summary}


def undo_from_json(data: Mapping[str, Any]) -> Undo:
    return Undo(
        action=str(data["action"]),
        params=dict(data.get("params") or {}),
        summary=str(data.get("summary") or ""),
    )
