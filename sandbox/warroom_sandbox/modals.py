"""Views as Slack keeps them: trigger ids, per-user modal stacks, App Home tabs.

Slack's rules modelled here:

- a ``trigger_id`` is issued by an interaction, opens or pushes at most one view, and expires after
  3 seconds (``invalid_trigger_id``, ``exchanged_trigger_id``, ``expired_trigger_id``);
- a modal belongs to the user whose interaction issued the trigger; a user sees one stack of at most
  3 modals (``push_limit_reached``); ``views.open`` starts a new stack;
- ``views.update`` finds a view by ``view_id`` or ``external_id`` (``not_found``), and refuses a
  stale ``hash`` (``hash_conflict``); every change mints a new hash;
- ``external_id`` is unique among live views (``duplicate_external_id``);
- the answer to a ``view_submission`` decides what happens to the stack: an empty ack closes the
  submitted view, ``errors`` keeps it open, ``update`` replaces it, ``push`` stacks another,
  ``clear`` closes them all.

Views are validated before they get here (:func:`warroom_sandbox.rules.validate_view`); this module
only keeps state. It is used under the workspace lock.
"""

from __future__ import annotations

from typing import Any

from warroom_sandbox.errors import ApiError
from warroom_sandbox.ids import Clock, IdFactory
from warroom_sandbox.model import StoredView, Trigger, ViewKind
from warroom_sandbox.seed import APP_ID, BOT_ID

TRIGGER_TTL_SECONDS = 3.0
MAX_STACK = 3


class ModalStore:
    """Trigger ids, modal stacks and home tabs of one workspace."""

    def __init__(
        self,
        ids: IdFactory,
        clock: Clock,
        team_id: str,
        trigger_ttl: float = TRIGGER_TTL_SECONDS,
    ) -> None:
        self._ids = ids
        self._clock = clock
        self._team_id = team_id
        self.trigger_ttl = trigger_ttl
        self.triggers: dict[str, Trigger] = {}
        self.views: dict[str, StoredView] = {}
        self.stacks: dict[str, list[str]] = {}
        self.homes: dict[str, str] = {}

    # --- triggers -------------------------------------------------------------------------

    def issue_trigger(self, user_id: str) -> str:
        trigger = Trigger(id=self._ids.trigger_id(), user_id=user_id, issued_at=self._clock())
        self.triggers[trigger.id] = trigger
        return trigger.id

    def exchange_trigger(self, trigger_id: str | None) -> Trigger:
        """Use a trigger id once, within its lifetime; Slack's errors otherwise."""
        trigger = self.triggers.get(trigger_id or "")
        if trigger is None:
            raise ApiError("invalid_trigger_id")
        if trigger.used:
            raise ApiError("exchanged_trigger_id")
        if self._clock() - trigger.issued_at > self.trigger_ttl:
            raise ApiError("expired_trigger_id")
        trigger.used = True
        return trigger

    # --- modal stacks ---------------------------------------------------------------------

    def open(self, trigger_id: str | None, definition: dict[str, Any]) -> StoredView:
        trigger = self.exchange_trigger(trigger_id)
        self._check_external_id(definition)
        self._close_stack(trigger.user_id)
        view = self._new_view(trigger.user_id, definition, root_id=None, previous_id=None)
        self.stacks[trigger.user_id] = [view.id]
        return view

    def push(self, trigger_id: str | None, definition: dict[str, Any]) -> StoredView:
        trigger = self.exchange_trigger(trigger_id)
        return self._push(trigger.user_id, definition)

    def update(
        self,
        definition: dict[str, Any],
        *,
        view_id: str | None,
        external_id: str | None,
        expected_hash: str | None,
    ) -> StoredView:
        view = self._find(view_id, external_id)
        if expected_hash and expected_hash != view.hash:
            raise ApiError("hash_conflict")
        self._check_external_id(definition, allow=view.id)
        self._replace(view, definition)
        return view

    def publish(
        self, user_id: str, definition: dict[str, Any], expected_hash: str | None
    ) -> StoredView:
        """Set ``user_id``'s App Home tab (views.publish)."""
        current_id = self.homes.get(user_id)
        if current_id is not None:
            current = self.views[current_id]
            if expected_hash and expected_hash != current.hash:
                raise ApiError("hash_conflict")
            self._replace(current, definition)
            return current
        view = self._new_view(user_id, definition, root_id=None, previous_id=None, kind="home")
        self.homes[user_id] = view.id
        return view

    def answer_submission(self, user_id: str, view_id: str, answer: dict[str, Any] | None) -> None:
        """Apply the app's answer to a ``view_submission`` as Slack's client would.

        ``answer`` is the JSON body of the app's HTTP ack (None or ``{}`` for an empty ack); its
        ``view`` (for update/push) must already be validated.
        """
        answer = answer or {}
        action = answer.get("response_action")
        new_view = answer.get("view")
        stack = self.stacks.get(user_id, [])
        view = self.views.get(view_id)
        if view is None or view_id not in stack:
            return
        if action == "errors":
            view.errors = dict(answer.get("errors") or {})
        elif action == "update" and isinstance(new_view, dict):
            self._replace(view, new_view)
        elif action == "push" and isinstance(new_view, dict):
            self._push(user_id, new_view)
        elif action == "clear":
            self._close_stack(user_id)
        else:
            self._close_top(user_id, view_id)

    def close(self, user_id: str) -> None:
        """The user dismissed their modals (the Cancel/X button)."""
        self._close_stack(user_id)

    def close_top(self, user_id: str, view_id: str) -> None:
        """Pop ``view_id`` if it is the top of the user's stack (the Back button)."""
        self._close_top(user_id, view_id)

    def open_stack(self, user_id: str) -> list[StoredView]:
        return [self.views[view_id] for view_id in self.stacks.get(user_id, [])]

    # --- internals ------------------------------------------------------------------------

    def _push(self, user_id: str, definition: dict[str, Any]) -> StoredView:
        stack = self.stacks.get(user_id)
        if not stack:
            raise ApiError("not_found")
        if len(stack) >= MAX_STACK:
            raise ApiError("push_limit_reached")
        self._check_external_id(definition)
        view = self._new_view(user_id, definition, root_id=stack[0], previous_id=stack[-1])
        stack.append(view.id)
        return view

    def _find(self, view_id: str | None, external_id: str | None) -> StoredView:
        if view_id:
            view = self.views.get(view_id)
        elif external_id:
            view = next(
                (v for v in self.views.values() if v.external_id == external_id and not v.closed),
                None,
            )
        else:
            raise ApiError(
                "invalid_arguments", messages=["[ERROR] view_id or external_id is required"]
            )
        if view is None or view.closed:
            raise ApiError("not_found")
        return view

    def _check_external_id(self, definition: dict[str, Any], allow: str | None = None) -> None:
        external_id = definition.get("external_id")
        if not external_id:
            return
        for view in self.views.values():
            if view.external_id == external_id and not view.closed and view.id != allow:
                raise ApiError("duplicate_external_id")

    def _new_view(
        self,
        user_id: str,
        definition: dict[str, Any],
        *,
        root_id: str | None,
        previous_id: str | None,
        kind: ViewKind = "modal",
    ) -> StoredView:
        view_id = self._ids.next_id("V")
        payload = self._payload(view_id, definition, root_id or view_id, previous_id)
        view = StoredView(id=view_id, user_id=user_id, kind=kind, payload=payload)
        self.views[view_id] = view
        return view

    def _replace(self, view: StoredView, definition: dict[str, Any]) -> None:
        state = view.payload.get("state") or {"values": {}}
        view.payload = self._payload(
            view.id, definition, view.payload["root_view_id"], view.payload["previous_view_id"]
        )
        view.payload["state"] = state
        view.errors = {}

    def _payload(
        self, view_id: str, definition: dict[str, Any], root_id: str, previous_id: str | None
    ) -> dict[str, Any]:
        return {
            "id": view_id,
            "team_id": self._team_id,
            "type": definition.get("type", "modal"),
            "blocks": definition.get("blocks", []),
            "private_metadata": definition.get("private_metadata", ""),
            "callback_id": definition.get("callback_id", ""),
            "state": {"values": {}},
            "hash": self._ids.view_hash(),
            "title": definition.get("title"),
            "clear_on_close": bool(definition.get("clear_on_close", False)),
            "notify_on_close": bool(definition.get("notify_on_close", False)),
            "close": definition.get("close"),
            "submit": definition.get("submit"),
            "previous_view_id": previous_id,
            "root_view_id": root_id,
            "app_id": APP_ID,
            "external_id": definition.get("external_id", ""),
            "app_installed_team_id": self._team_id,
            "bot_id": BOT_ID,
        }

    def _close_top(self, user_id: str, view_id: str) -> None:
        stack = self.stacks.get(user_id, [])
        if stack and stack[-1] == view_id:
            self.views[stack.pop()].closed = True
        if not stack:
            self.stacks.pop(user_id, None)

    def _close_stack(self, user_id: str) -> None:
        for view_id in self.stacks.pop(user_id, []):
            self.views[view_id].closed = True
