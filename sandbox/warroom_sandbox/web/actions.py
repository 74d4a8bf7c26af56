"""What a person can do in the sandbox, done the way Slack's client and servers do it.

The page's buttons and the scenario runner both come through here, so a rehearsal script and a
click behave the same. Each action changes the workspace the way Slack would (a message is
stored, a reaction added, a modal closed) and then tells the bot exactly what Slack would tell
it, signed, over HTTP (:class:`warroom_sandbox.web.delivery.BotLink`):

- slash commands the app's manifest declares (others get Slack's "not a valid command"), with
  mentions escaped when the command asks for it; the ack body is shown like Slack shows it;
- ``block_actions`` for buttons, selects, overflow menus and pickers, on messages and in modals;
- ``view_submission`` after the client-side checks Slack makes first (required fields,
  ``min_length``), and ``view_closed`` when the app asked for it (``notify_on_close``);
- message shortcuts the manifest declares; events (``reaction_added``, ``reaction_removed``,
  ``message.*``, ``app_mention``, ``member_joined_channel``) only when the app subscribed to them
  and the bot is in the conversation, as Slack delivers them.

Failures are reported where Slack reports them: a Slackbot notice in the conversation ("/incident
failed with the error "dispatch_failed""), a line at the top of a modal, or the page's banner for
answers Slack would have refused (invalid blocks in an ack, an answer later than 3 seconds).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from warroom_sandbox.emulator import SlackEmulator
from warroom_sandbox.errors import ApiError
from warroom_sandbox.model import Channel
from warroom_sandbox.payloads import interactive_elements, message_event, reaction_event
from warroom_sandbox.web.blockkit import REQUIRED_MESSAGE
from warroom_sandbox.web.composer import encode, parse_line
from warroom_sandbox.web.delivery import BotLink, Outcome, RequestKind
from warroom_sandbox.web.desk import Desk
from warroom_sandbox.web.directory import Directory
from warroom_sandbox.web.manifest import Manifest
from warroom_sandbox.workspace import Workspace

log = logging.getLogger(__name__)

NOT_VALID_COMMAND = (
    '`{command}` is not a valid command. In Slack, all messages that start with the "/" '
    "character are interpreted as commands."
)
TROUBLE_CONNECTING = "We had some trouble connecting. Try again?"
READ_ONLY_DM = "Sending messages to this app has been turned off."


@dataclass(frozen=True)
class Result:
    """What the page shows after an action: ``message`` goes to a toast when not ``ok``."""

    ok: bool
    message: str = ""
    channel: str | None = None
    outcome: Outcome | None = None
    ts: str | None = None
    """The new message's timestamp, for actions that post one."""
    shown: bool = False
    """The failure is already on the page (a Slackbot notice, a line in the modal)."""

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": self.ok,
            "message": self.message,
            "channel": self.channel,
            "shown": self.shown,
        }
        if self.ts is not None:
            body["ts"] = self.ts
        if self.outcome is not None:
            body["delivery"] = {
                "kind": self.outcome.kind,
                "status": self.outcome.status,
                "seconds": round(self.outcome.seconds, 3),
                "error": self.outcome.error,
            }
        return body


class Actions:
    """Everything a person does in ``warroom dev``; thread-safe, call from worker threads."""

    def __init__(
        self, emulator: SlackEmulator, link: BotLink, desk: Desk, manifest: Manifest
    ) -> None:
        self.emulator = emulator
        self.link = link
        self.desk = desk
        self.manifest = manifest

    @property
    def ws(self) -> Workspace:
        return self.emulator.state

    # --- the composer -------------------------------------------------------------------------

    def type_line(self, user: str, channel: str, line: str) -> Result:
        """What the message box does with Enter: a slash command or a message."""
        typed = parse_line(line)
        if typed.command is not None:
            return self.command(user, channel, typed.command, typed.text)
        if not typed.text.strip():
            return Result(False, "Nothing to send.", channel)
        return self.post(user, channel, typed.text)

    def command(self, user: str, channel: str, command: str, text: str) -> Result:
        declared = self.manifest.command(command)
        if declared is None:
            self._notice(user, channel, NOT_VALID_COMMAND.format(command=command))
            return Result(False, f"{command} is not a valid command", channel, shown=True)
        encoded = self._encode(text, mentions=declared.should_escape)
        driver = self.link.driver
        return self._deliver(
            "slash_command",
            user,
            channel,
            command,
            lambda: driver.slash_command(command, encoded, user_id=user, channel_id=channel),
        )

    def post(self, user: str, channel: str, text: str, thread_ts: str | None = None) -> Result:
        """``user`` writes a message; the bot hears it only if it subscribed (``message.*``)."""
        try:
            conversation = self.ws.channel(channel)
            if conversation.kind == "im" and self.manifest.messages_tab_read_only:
                self._notice(user, channel, READ_ONLY_DM)
                return Result(False, READ_ONLY_DM, channel, shown=True)
            message = self.ws.post_as_user(
                user, channel, self._encode(text, mentions=True), thread_ts=thread_ts
            )
        except ApiError as error:
            return Result(False, f"Slack refused the message: {error.error}", channel)
        self.desk.mark_read(user, channel, message.ts)
        event = message_event(message, conversation, self.ws.team.id)
        if self._bot_hears(conversation, "message"):
            self.link.send_event(event)
        mentioned = f"<@{self.ws.bot_user_id}" in message.text
        if mentioned and self._bot_hears(conversation, "app_mention"):
            self.link.send_event({**event, "type": "app_mention"})
        return Result(True, "", channel, ts=message.ts)

    # --- clicks, modals -----------------------------------------------------------------------

    def click(
        self,
        user: str,
        action_id: str,
        *,
        channel: str | None = None,
        ts: str | None = None,
        view_id: str | None = None,
        block_id: str | None = None,
        value: Any = None,
        values: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> Result:
        """``user`` uses element ``action_id`` on message ``ts`` in ``channel``, or in a modal."""
        driver = self.link.driver
        if view_id is not None:
            view = self._open_view(user, view_id)
            if view is None:
                return Result(False, "That modal is no longer open.")
            entered = self._normalised(user, view, values or {})
            return self._deliver(
                "block_actions",
                user,
                None,
                f'the "{action_id}" element',
                lambda: driver.block_action(
                    user, None, None, action_id, value, block_id, view=view, values=entered
                ),
                view_id=view_id,
            )
        if channel is None or ts is None:
            return Result(False, "A click needs a message (channel and ts) or a modal.")
        return self._deliver(
            "block_actions",
            user,
            channel,
            f'the "{action_id}" element',
            lambda: driver.block_action(user, channel, ts, action_id, value, block_id),
        )

    def submit(self, user: str, view_id: str, values: Mapping[str, Mapping[str, Any]]) -> Result:
        """Submit the user's top modal, after Slack's own checks of required fields."""
        view = self._open_view(user, view_id)
        if view is None:
            return Result(False, "That modal is no longer open.")
        entered = self._normalised(user, view, values)
        errors = client_side_errors(view, entered)
        if errors:
            self.ws.answer_view_submission(
                user, view_id, {"response_action": "errors", "errors": errors}
            )
            return Result(False, "Some required fields are empty.")
        self.desk.set_trouble(view_id, None)
        driver = self.link.driver
        return self._deliver(
            "view_submission",
            user,
            None,
            "the modal",
            lambda: driver.view_submission(user, view, entered),
            view_id=view_id,
        )

    def close_modal(self, user: str, view_id: str | None = None) -> Result:
        """Cancel / X: the whole stack closes; the app hears of it if it asked to."""
        stack = self.ws.open_views(user)
        self.ws.close_views(user)
        top = next((v for v in stack if v["id"] == view_id), stack[-1] if stack else None)
        if top is not None and top.get("notify_on_close"):
            driver = self.link.driver
            self._deliver(
                "view_closed",
                user,
                None,
                "closing the modal",
                lambda: driver.view_closed(user, top),
            )
        return Result(True)

    def back(self, user: str, view_id: str) -> Result:
        """Back on a pushed modal: the top view closes, the one under it shows again."""
        self.ws.close_top_view(user, view_id)
        return Result(True)

    # --- reactions, shortcuts, conversations --------------------------------------------------

    def react(self, user: str, channel: str, ts: str, name: str) -> Result:
        name = name.strip().strip(":")
        try:
            message = self.ws.react(channel, ts, user, name)
            conversation = self.ws.channel(channel)
        except ApiError as error:
            return Result(False, f"Could not add :{name}: ({error.error})", channel)
        if self._bot_hears(conversation, "reaction_added"):
            self.link.send_event(reaction_event(user, message, name))
        return Result(True, "", channel)

    def unreact(self, user: str, channel: str, ts: str, name: str) -> Result:
        name = name.strip().strip(":")
        try:
            message = self.ws.message(channel, ts)
            self.ws.unreact(channel, ts, user, name)
            conversation = self.ws.channel(channel)
        except ApiError as error:
            return Result(False, f"Could not remove :{name}: ({error.error})", channel)
        if self._bot_hears(conversation, "reaction_removed"):
            event = {**reaction_event(user, message, name), "type": "reaction_removed"}
            self.link.send_event(event)
        return Result(True, "", channel)

    def shortcut(self, user: str, channel: str, ts: str, callback_id: str) -> Result:
        if callback_id not in {s.callback_id for s in self.manifest.message_shortcuts}:
            return Result(False, f"The app declares no message shortcut {callback_id!r}.", channel)
        driver = self.link.driver
        return self._deliver(
            "message_action",
            user,
            channel,
            "the shortcut",
            lambda: driver.message_shortcut(callback_id, user, channel, ts),
        )

    def join(self, user: str, channel: str) -> Result:
        try:
            self.ws.join(channel, user)
            conversation = self.ws.channel(channel)
        except ApiError as error:
            return Result(False, f"Could not join: {error.error}", channel)
        if self._bot_hears(conversation, "member_joined_channel"):
            self.link.send_event(
                {
                    "type": "member_joined_channel",
                    "user": user,
                    "channel": channel,
                    "channel_type": "G" if conversation.is_private else "C",
                    "team": self.ws.team.id,
                }
            )
        return Result(True, "", channel)

    def open_app_dm(self, user: str) -> Result:
        """The app's Messages tab: the IM between the bot and ``user`` (opened if needed)."""
        channel, _ = self.ws.open_conversation([user])
        return Result(True, "", channel.id)

    def dismiss(self, user: str, *, ts: str | None = None, notice_id: int | None = None) -> Result:
        if notice_id is not None:
            return Result(self.desk.dismiss_notice(user, notice_id))
        if ts is not None:
            return Result(self.ws.dismiss_ephemeral(user, ts))
        return Result(False, "Nothing to dismiss.")

    # --- internals ----------------------------------------------------------------------------

    def _deliver(
        self,
        kind: RequestKind,
        user: str,
        channel: str | None,
        label: str,
        send: Callable[[], httpx.Response],
        *,
        view_id: str | None = None,
    ) -> Result:
        try:
            outcome = self.link.send(kind, send)
        except ApiError as error:
            self.desk.problem(
                self.ws.clock(), f"the answer to {label}", error.error, tuple(error.messages)
            )
            if channel is not None:
                self._notice(
                    user, channel, f"Slack refused warroom's answer to {label}: `{error.error}`"
                )
            if view_id is not None:
                self.desk.set_trouble(view_id, f"Slack refused warroom's answer: {error.error}")
            return Result(
                False,
                f"Slack refused the app's answer: {error.error}",
                channel,
                shown=channel is not None or view_id is not None,
            )
        except (LookupError, ValueError) as error:
            return Result(False, str(error), channel)
        if not outcome.ok:
            if view_id is not None:
                self.desk.set_trouble(view_id, TROUBLE_CONNECTING)
            if channel is not None:
                self._notice(user, channel, f'{label} failed with the error "{outcome.error}"')
            return Result(
                False,
                f'{label} failed with the error "{outcome.error}"',
                channel,
                outcome,
                shown=channel is not None or view_id is not None,
            )
        if outcome.late:
            self.desk.problem(
                self.ws.clock(),
                label,
                "operation_timeout",
                (
                    f"warroom answered after {outcome.seconds:.1f} s; Slack waits 3 s and would "
                    "have shown operation_timeout. The sandbox applied the answer anyway.",
                ),
            )
        return Result(True, "", channel, outcome)

    def _notice(self, user: str, channel: str, text: str) -> None:
        self.desk.notify(user, channel, self.ws.ids.next_ts(), text)

    def _encode(self, text: str, *, mentions: bool) -> str:
        return encode(text, self.ws.all_users(), self.ws.conversations(), resolve_mentions=mentions)

    def _bot_hears(self, conversation: Channel, event_type: str) -> bool:
        if conversation.kind == "channel":
            kind = "private" if conversation.is_private else "channel"
        else:
            kind = conversation.kind
        return (
            self.manifest.subscribes(event_type, kind)
            and self.ws.bot_user_id in conversation.members
        )

    def _open_view(self, user: str, view_id: str) -> dict[str, Any] | None:
        """One of the user's open modals, or their App Home view."""
        home = self.ws.home_view(user)
        if home is not None and home["id"] == view_id:
            return home
        return next((v for v in self.ws.open_views(user) if v["id"] == view_id), None)

    def _normalised(
        self, user: str, view: Mapping[str, Any], values: Mapping[str, Mapping[str, Any]]
    ) -> dict[str, dict[str, Any]]:
        """What the page sent, kept to the view's own elements, in the forms Slack uses."""
        directory = Directory.of(self.ws, user)
        out: dict[str, dict[str, Any]] = {}
        for block_id, element, _ in interactive_elements(list(view.get("blocks") or [])):
            entered = values.get(block_id)
            if not isinstance(entered, Mapping) or element["action_id"] not in entered:
                continue
            value = entered[element["action_id"]]
            kind = element.get("type")
            if value == "" or value == []:
                value = [] if isinstance(value, list) else None
            if kind == "datetimepicker" and isinstance(value, str):
                local = datetime.fromisoformat(value).replace(tzinfo=directory.zone)
                value = int(local.timestamp())
            out.setdefault(block_id, {})[element["action_id"]] = value
        return out


def client_side_errors(
    view: Mapping[str, Any], values: Mapping[str, Mapping[str, Any]]
) -> dict[str, str]:
    """The errors Slack's client shows itself, without asking the app: empty required inputs
    and text shorter than ``min_length``."""
    errors: dict[str, str] = {}
    for block in view.get("blocks") or []:
        element = block.get("element")
        if block.get("type") != "input" or not isinstance(element, Mapping):
            continue
        block_id = str(block.get("block_id", ""))
        entered = values.get(block_id) or {}
        action_id = str(element.get("action_id"))
        value = entered[action_id] if action_id in entered else _initial(element)
        empty = value is None or value == "" or value == []
        if empty and not block.get("optional"):
            errors[block_id] = REQUIRED_MESSAGE
        minimum = element.get("min_length")
        if isinstance(value, str) and value and isinstance(minimum, int) and len(value) < minimum:
            errors[block_id] = f"Must have at least {minimum} characters"
    return errors


def _initial(element: Mapping[str, Any]) -> Any:
    for key in (
        "initial_value",
        "initial_option",
        "initial_options",
        "initial_user",
        "initial_users",
        "initial_conversation",
        "initial_channel",
        "initial_date",
        "initial_time",
        "initial_date_time",
    ):
        if element.get(key):
            return element[key]
    return None
