"""Kinds and keys of the durable timers that carry a playbook run's side effects.

Every Slack post and every provider call a button leads to is one of these timers, written in the
transaction that made the decision, so a crash between the click and the effect loses nothing.
"""

from __future__ import annotations

POST = "playbook.post"  # post the checklist message (marked with its key: a retry finds it)
CHECKLIST = "playbook.checklist"  # update the checklist in place (coalesced: one key per run)
RUN = "playbook.run"  # run one confirmed attempt of an automated step
UNDO = "playbook.undo"  # run one confirmed attempt of a step's undo
RESULT = "playbook.result"  # post a run's or an undo's result (or a failed read) in the channel
UNREADABLE = "unreadable"  # the RESULT kind of a read that failed before any confirmation
UNDO_OFFER = "playbook.undo_offer"  # post the list of undo actions (on mitigate / resolve)
UNDO_OFFER_REFRESH = "playbook.undo_offer_refresh"  # update that list in place

KINDS = (POST, CHECKLIST, RUN, UNDO, RESULT, UNDO_OFFER, UNDO_OFFER_REFRESH)


def post_key(run_id: int) -> str:
    return f"playbook:{run_id}:post"


def checklist_key(run_id: int) -> str:
    return f"playbook:{run_id}:checklist"


def run_key(run_id: int, step_id: str, attempt: int) -> str:
    """Also the idempotency key handed to the action: one confirmed click, one change."""
    return f"playbook:{run_id}:{step_id}:attempt:{attempt}"


def undo_key(run_id: int, step_id: str, attempt: int) -> str:
    return f"playbook:{run_id}:{step_id}:undo:attempt:{attempt}"


def result_key(action_key: str) -> str:
    return f"{action_key}:result"


def unreadable_key(run_id: int, step_id: str, nonce: str) -> str:
    """A failed read before a confirmation: each one is its own notice."""
    return f"playbook:{run_id}:{step_id}:unreadable:{nonce}"


def undo_offer_key(incident: int, first_step_row: int) -> str:
    """An offer lists steps never offered before, so its lowest step row names it for good."""
    return f"playbook:incident:{incident}:undo-offer:{first_step_row}"


def undo_offer_refresh_key(offer_key: str) -> str:
    return f"{offer_key}:refresh"
