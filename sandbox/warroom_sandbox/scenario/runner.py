"""Replaying a scenario against the running sandbox, step by step, as its people.

Every step goes through :class:`warroom_sandbox.web.actions.Actions`, the same code the page's
buttons use, so a rehearsal is exactly what clicking would do. Steps that look for something
(a button to click, a message to react to, a modal to submit, a text to wait for) wait for it to
appear, up to the step's ``timeout``: the bot works asynchronously (channels and cards appear a
moment after the command), and a busy machine is slower. A step fails when what it needs never
appears, or when Slack or the bot refuse it (unless ``expect_failure``); the run stops there and
says which step, at which line, and why. Confirm dialogs are confirmed.
"""

from __future__ import annotations

import fnmatch
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TextIO

from markupsafe import Markup

from warroom_sandbox.emulator import SlackEmulator
from warroom_sandbox.ids import ts_key
from warroom_sandbox.model import Channel, Ephemeral, Message
from warroom_sandbox.scenario.find import (
    choosable,
    clickable,
    contains,
    find_channel,
    find_user,
    message_text,
    modal_values,
    readable,
    same_label,
    visible_text,
)
from warroom_sandbox.scenario.model import Scenario, Step
from warroom_sandbox.seed import GENERAL, ONCALL
from warroom_sandbox.web.actions import Actions, Result
from warroom_sandbox.web.composer import parse_line
from warroom_sandbox.web.page import Line
from warroom_sandbox.workspace import SYSTEM_SUBTYPES

POLL_SECONDS = 0.2
START_AFTER_SECONDS = 15.0
"""``warroom dev --scenario`` starts when the page is opened, or after this long anyway."""


class ScenarioHost(Protocol):
    """What a scenario needs from the running sandbox (:class:`warroom_sandbox.dev.DevSandbox`)."""

    actions: Actions
    emulator: SlackEmulator

    def stop_bot(self, reason: str | None = ...) -> None: ...

    def start_bot(self) -> None: ...

    def beat(self, monitor: str) -> Result: ...


class StepFailed(Exception):
    """A step could not do what it says; the message is worded for the scenario's author."""


class Cancelled(Exception):
    pass


@dataclass(frozen=True)
class Saved:
    channel: str
    ts: str | None = None


class ScenarioRun:
    """One replay of ``scenario`` on ``host``: :meth:`run` it, or :meth:`start` it in a thread."""

    def __init__(self, scenario: Scenario, host: ScenarioHost, *, out: TextIO | None = None):
        self.scenario = scenario
        self.host = host
        self.out = out
        self.state = "waiting"
        self.index = 0
        self.error = ""
        self.seconds = 0.0
        self._user = ONCALL
        self._channel = GENERAL
        self._saved: dict[str, Saved] = {}
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def actions(self) -> Actions:
        return self.host.actions

    # --- running ------------------------------------------------------------------------------

    def run(self) -> bool:
        """Every step in order; True when all passed."""
        started = time.monotonic()
        self.state = "running"
        total = len(self.scenario.steps)
        try:
            for index, step in enumerate(self.scenario.steps):
                self.index = index
                self._say(f"[{index + 1}/{total}] {self._who(step)}: {step.describe()}")
                self._step(step)
                if index + 1 < total:
                    self._sleep(self.scenario.pace)
        except Cancelled:
            self.state = "cancelled"
            return False
        except StepFailed as failure:
            step = self.scenario.steps[self.index]
            self.error = f"{self.scenario.file or 'scenario'}:{step.line}: {failure}"
            self.state = "failed"
            self._say(f"scenario failed at step {self.index + 1}: {self.error}")
            return False
        finally:
            self.seconds = time.monotonic() - started
        self.state = "done"
        self._say(f'scenario "{self.scenario.name}" done in {self.seconds:.0f} s')
        return True

    def start(self, delay: Callable[[], object] | None = None) -> None:
        def main() -> None:
            if delay is not None:
                delay()
            if not self._cancel.is_set():
                self.run()

        self._thread = threading.Thread(target=main, name="sandbox-scenario", daemon=True)
        self._thread.start()

    def start_when_watched(self, wait_for_page: Callable[[float], bool]) -> None:
        """Start once someone opens the page (or after :data:`START_AFTER_SECONDS`)."""
        self.start(lambda: wait_for_page(START_AFTER_SECONDS))

    def cancel(self) -> None:
        self._cancel.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(10)

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def banner(self) -> Line:
        name, total = self.scenario.name, len(self.scenario.steps)
        if self.state == "waiting":
            return Line(
                "scenario",
                Markup('Scenario "{}" ({} steps) starts in a moment.').format(name, total),
            )
        if self.state == "running":
            step = self.scenario.steps[self.index]
            return Line(
                "scenario",
                Markup('&#9654; Scenario "{}": step {} of {}: {}: {}').format(
                    name, self.index + 1, total, self._who(step), step.describe()
                ),
            )
        if self.state == "done":
            return Line(
                "scenario",
                Markup('&#10003; Scenario "{}" done ({} steps, {} s).').format(
                    name, total, round(self.seconds)
                ),
            )
        if self.state == "cancelled":
            return Line("scenario", Markup('Scenario "{}" was stopped.').format(name))
        return Line(
            "scenario-failed",
            Markup('&#10007; Scenario "{}" failed at step {}: {}').format(
                name, self.index + 1, self.error
            ),
        )

    def _say(self, text: str) -> None:
        if self.out is not None:
            print(text, file=self.out, flush=True)

    def _sleep(self, seconds: float) -> None:
        if self._cancel.wait(seconds):
            raise Cancelled

    def _who(self, step: Step) -> str:
        user = step.user or self._user_name()
        where = step.where or self._channel_name()
        return f"{user.removeprefix('@')} in {where}"

    def _user_name(self) -> str:
        return next((u.name for u in self.actions.ws.all_users() if u.id == self._user), self._user)

    def _channel_name(self) -> str:
        found = find_channel(self.actions.ws.conversations(), self._channel)
        return f"#{found.name}" if found is not None and found.kind == "channel" else self._channel

    # --- one step -----------------------------------------------------------------------------

    def _step(self, step: Step) -> None:
        if step.user is not None:
            self._user = self._resolve_user(step.user)
        if step.where is not None:
            self._channel = self._resolve_channel(step.where)
        handler: Callable[[Step], Result | None] = getattr(self, f"_do_{step.action}")
        result = handler(step)
        if result is None:
            return
        if step.expect_failure and result.ok:
            raise StepFailed("it was expected to fail, and it succeeded")
        if not step.expect_failure and not result.ok:
            raise StepFailed(result.message or "refused")

    def _do_command(self, step: Step) -> Result:
        typed = parse_line(step.command or "")
        assert typed.command is not None
        return self.actions.command(self._user, self._channel, typed.command, typed.text)

    def _do_say(self, step: Step) -> Result:
        result = self.actions.post(self._user, self._channel, step.say or "")
        if result.ok and step.save_as and result.ts:
            self._saved[step.save_as] = Saved(self._channel, result.ts)
        return result

    def _do_click(self, step: Step) -> Result:
        label = step.click or ""
        return self._use(step, lambda blocks: clickable(blocks, label), f"a button {label!r}")

    def _do_choose(self, step: Step) -> Result:
        option = step.choose or ""
        return self._use(
            step,
            lambda blocks: choosable(blocks, option, step.element),
            f"an element offering {option!r}",
        )

    def _use(
        self,
        step: Step,
        find: Callable[[list[dict[str, Any]]], tuple[str, str, Any] | None],
        what: str,
    ) -> Result:
        """Find an element in the person's open modal, else in the conversation, and use it."""
        ws = self.actions.ws

        def look() -> Callable[[], Result] | None:
            stack = ws.open_views(self._user)
            if stack:
                view = stack[-1]
                found = find(list(view.get("blocks") or []))
                if found is not None:
                    block_id, action_id, value = found
                    return lambda: self.actions.click(
                        self._user, action_id, view_id=view["id"], block_id=block_id, value=value
                    )
            for message in reversed(self._conversation()):
                found = find(message.blocks)
                if found is not None:
                    block_id, action_id, value = found
                    ts = message.ts
                    return lambda: self.actions.click(
                        self._user,
                        action_id,
                        channel=self._channel,
                        ts=ts,
                        block_id=block_id,
                        value=value,
                    )
            return None

        use: Callable[[], Result] = self._wait(look, step, f"{what} in {self._channel_name()}")
        return use()

    def _do_submit(self, step: Step) -> Result:
        ws = self.actions.ws

        def top() -> dict[str, Any] | None:
            stack = ws.open_views(self._user)
            return stack[-1] if stack else None

        view = self._wait(top, step, f"a modal open for {self._user_name()}")
        try:
            values = modal_values(view, step.submit or {})
        except LookupError as error:
            raise StepFailed(str(error)) from None
        return self.actions.submit(self._user, str(view["id"]), values)

    def _do_close_modal(self, step: Step) -> Result:
        return self.actions.close_modal(self._user)

    def _do_react(self, step: Step) -> Result:
        channel, ts = self._message_ref(step.to, step)
        return self.actions.react(self._user, channel, ts, step.react or "")

    def _do_shortcut(self, step: Step) -> Result:
        wanted = step.shortcut or ""
        shortcut = next(
            (
                s
                for s in self.actions.manifest.message_shortcuts
                if s.callback_id == wanted or same_label(s.name, wanted)
            ),
            None,
        )
        if shortcut is None:
            known = ", ".join(s.name for s in self.actions.manifest.message_shortcuts)
            raise StepFailed(f"the app has no message shortcut {wanted!r} (it has: {known})")
        channel, ts = self._message_ref(step.to, step)
        return self.actions.shortcut(self._user, channel, ts, shortcut.callback_id)

    def _do_join(self, step: Step) -> Result:
        return self.actions.join(self._user, self._channel)

    def _do_wait_for(self, step: Step) -> None:
        text = step.wait_for or ""

        def seen() -> Saved | None:
            ws = self.actions.ws
            users = {u.id: u for u in ws.all_users()}
            channels = {c.id: c for c in ws.conversations()}
            for message in reversed(self._conversation()):
                if contains(readable(message_text(message), users, channels), text):
                    return Saved(self._channel, message.ts)
            channel = channels.get(self._channel)
            if channel is not None and contains(readable(channel.topic, users, channels), text):
                return Saved(self._channel)
            for notice in self.actions.desk.notices(self._user, self._channel):
                if contains(notice.text, text):
                    return Saved(self._channel)
            for view in ws.open_views(self._user):
                errors = ws.view(str(view["id"])).errors
                shown = "\n".join(
                    [
                        visible_text(view.get("blocks")),
                        visible_text(view.get("title")),
                        *errors.values(),
                    ]
                )
                if contains(shown, text):
                    return Saved(self._channel)
            return None

        found = self._wait(seen, step, f"{text!r} in {self._channel_name()}")
        if step.save_as:
            self._saved[step.save_as] = found

    def _do_wait_for_channel(self, step: Step) -> None:
        pattern = (step.wait_for_channel or "").removeprefix("#")

        def created() -> Channel | None:
            matching = [
                c
                for c in self.actions.ws.conversations()
                if c.kind == "channel" and fnmatch.fnmatchcase(c.name, pattern)
            ]
            return max(matching, key=lambda c: (c.created, c.id)) if matching else None

        channel = self._wait(created, step, f"a channel named {pattern!r}")
        if step.save_as:
            self._saved[step.save_as] = Saved(channel.id)

    def _do_wait_for_reaction(self, step: Step) -> None:
        name = (step.wait_for_reaction or "").strip(":")
        channel, ts = self._message_ref(step.to, step)

        def reacted() -> bool | None:
            message = self.actions.ws.message(channel, ts)
            return True if message.reaction(name) is not None else None

        self._wait(reacted, step, f"a :{name}: reaction")

    def _do_pause(self, step: Step) -> None:
        self._sleep(step.pause or 0.0)

    def _do_bot(self, step: Step) -> None:
        if step.bot == "stop":
            self.host.stop_bot("stopped by the scenario")
        else:
            self.host.start_bot()

    def _do_fail(self, step: Step) -> None:
        fault = step.fail
        assert fault is not None
        self.host.emulator.fail(fault.method, fault.times, error=fault.error, status=fault.status)

    def _do_beat(self, step: Step) -> Result:
        return self.host.beat(step.beat or "")

    # --- lookups ------------------------------------------------------------------------------

    def _wait(self, look: Callable[[], Any], step: Step, what: str) -> Any:
        deadline = time.monotonic() + step.timeout
        while True:
            found = look()
            if found is not None:
                return found
            if time.monotonic() > deadline:
                raise StepFailed(f"no {what} after {step.timeout:g} s")
            self._sleep(POLL_SECONDS)

    def _resolve_user(self, ref: str) -> str:
        user = find_user(self.actions.ws.all_users(), ref)
        if user is None or user.is_bot:
            people = ", ".join(u.name for u in self.actions.ws.all_users() if not u.is_bot)
            raise StepFailed(f"nobody is called {ref!r} (there are: {people})")
        return user.id

    def _resolve_channel(self, ref: str) -> str:
        if ref in ("dm", "@warroom"):
            return str(self.actions.open_app_dm(self._user).channel)
        if ref.startswith("$"):
            saved = self._saved.get(ref[1:])
            if saved is None:
                raise StepFailed(f"nothing was saved as {ref[1:]!r} (use save_as: first)")
            return saved.channel
        found = find_channel(self.actions.ws.conversations(), ref)
        if found is None:
            raise StepFailed(f"there is no channel {ref!r}")
        return found.id

    def _conversation(self) -> list[Message | Ephemeral]:
        """What the person sees in the current conversation, oldest first."""
        ws = self.actions.ws
        seen: list[Message | Ephemeral] = [
            m for m in ws.messages(self._channel, include_system=False) if not m.is_reply
        ]
        seen.extend(ws.ephemerals(self._user, channel_id=self._channel))
        return sorted(seen, key=lambda m: ts_key(m.ts))

    def _message_ref(self, ref: str | None, step: Step) -> tuple[str, str]:
        """``$name`` (saved), ``last`` (default), or the newest message containing the text."""
        if ref is not None and ref.startswith("$"):
            saved = self._saved.get(ref[1:])
            if saved is None or saved.ts is None:
                raise StepFailed(f"no message was saved as {ref[1:]!r}")
            return saved.channel, saved.ts
        ws = self.actions.ws

        def newest() -> tuple[str, str] | None:
            users = {u.id: u for u in ws.all_users()}
            channels = {c.id: c for c in ws.conversations()}
            for message in reversed(ws.messages(self._channel)):
                if message.subtype in SYSTEM_SUBTYPES:
                    continue
                if ref in (None, "last") or contains(
                    readable(message_text(message), users, channels), ref or ""
                ):
                    return self._channel, message.ts
            return None

        return self._wait(newest, step, f"a message {ref or 'at all'!r}")  # type: ignore[no-any-return]
