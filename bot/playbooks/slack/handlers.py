"""Timer handlers that carry a playbook run's side effects: Slack posts and provider calls.

Each handler is safe to run again. Posts are marked with their timer key (``marked``), so a retry
after a crash or a post Slack applied but answered with a 5xx finds the message instead of
posting it twice; the checklist and the undo offer are
updated in place (``chat.update``) by coalesced timers; a step's run is keyed by its attempt
(``playbook:<run>:<step>:attempt:<n>``), the same key the action hands the provider.
"""

from __future__ import annotations

from slack_sdk import WebClient

from bot.incidents.domain import events as payloads
from bot.incidents.slack import blocks
from bot.kernel.slack.marked import Mark, Poster
from bot.kernel.timers.outcomes import Done, Handler, Outcome, TimerFailure
from bot.kernel.timers.store import ClaimedTimer
from bot.playbooks import timers as keys
from bot.playbooks.automation import PlaybookRuns, Purpose
from bot.playbooks.slack import blocks as render
from bot.playbooks.steps import PlaybookSteps

_WHAT_FAILED = {
    keys.POST: "post the playbook checklist",
    keys.CHECKLIST: "update the playbook checklist",
    keys.RESULT: "post a playbook step's result",
    keys.UNDO_OFFER: "post the list of playbook changes to undo",
    keys.UNDO_OFFER_REFRESH: "update the list of playbook changes to undo",
}


class PlaybookEffects:
    def __init__(self, steps: PlaybookSteps, runs: PlaybookRuns, client: WebClient) -> None:
        self._steps = steps
        self._runs = runs
        self._client = client
        self._poster = Poster(client)

    def handlers(self) -> dict[str, Handler]:
        return {
            keys.POST: self.post_checklist,
            keys.CHECKLIST: self.update_checklist,
            keys.RUN: lambda timer: self.run(timer, "run"),
            keys.UNDO: lambda timer: self.run(timer, "undo"),
            keys.RESULT: self.post_result,
            keys.UNDO_OFFER: self.post_undo_offer,
            keys.UNDO_OFFER_REFRESH: self.update_undo_offer,
        }

    def post_checklist(self, timer: ClaimedTimer) -> Outcome:
        checklist = self._steps.checklist(int(timer.payload["run"]))
        if checklist is None or checklist.message_ts is not None:
            return Done()
        ts = self._poster.post(
            Mark.of(timer, since=checklist.started_at),
            checklist.channel_id,
            render.checklist_text(checklist),
            blocks.to_dicts(render.checklist(checklist)),
        )
        self._steps.checklist_posted(checklist.run_id, ts)
        return Done()

    def update_checklist(self, timer: ClaimedTimer) -> Outcome:
        checklist = self._steps.checklist(int(timer.payload["run"]))
        if checklist is None or checklist.message_ts is None:
            return Done()  # the post renders the state as it is then
        self._client.chat_update(
            channel=checklist.channel_id,
            ts=checklist.message_ts,
            text=render.checklist_text(checklist),
            blocks=blocks.to_dicts(render.checklist(checklist)),
        )
        return Done()

    def run(self, timer: ClaimedTimer, purpose: Purpose) -> Outcome:
        payload = timer.payload
        self._runs.execute(
            int(payload["run"]), str(payload["step"]), purpose, int(payload["attempt"]), timer.key
        )
        return Done()

    def post_result(self, timer: ClaimedTimer) -> Outcome:
        payload = timer.payload
        kind, actor, data = str(payload["kind"]), str(payload["actor"]), payload["data"]
        if kind == keys.UNREADABLE:
            title, playbook, error = (str(data.get(k)) for k in ("title", "playbook", "error"))
            text = render.unreadable_text(actor, title, playbook, error)
        else:
            text = render.result_text(actor, payloads.parse(kind, data))
        self._poster.post(Mark.of(timer, since=timer.due_at), str(payload["channel"]), text)
        return Done()

    def post_undo_offer(self, timer: ClaimedTimer) -> Outcome:
        offer = self._runs.undo_offer(str(timer.payload["offer"]))
        if offer is None or offer.ts is not None:
            return Done()
        ts = self._poster.post(
            Mark.of(timer, since=timer.due_at),
            offer.channel_id,
            render.undo_offer_text(offer),
            blocks.to_dicts(render.undo_offer(offer)),
        )
        self._runs.undo_offer_posted(offer.key, ts)
        return Done()

    def update_undo_offer(self, timer: ClaimedTimer) -> Outcome:
        offer = self._runs.undo_offer(str(timer.payload["offer"]))
        if offer is None or offer.ts is None:
            return Done()
        self._client.chat_update(
            channel=offer.channel_id,
            ts=offer.ts,
            text=render.undo_offer_text(offer),
            blocks=blocks.to_dicts(render.undo_offer(offer)),
        )
        return Done()

    def on_failure(self, failure: TimerFailure) -> None:
        """A run that kept failing becomes the step's failure; a post that did, a channel note."""
        timer = failure.timer
        if timer.kind in (keys.RUN, keys.UNDO):
            purpose: Purpose = "run" if timer.kind == keys.RUN else "undo"
            payload = timer.payload
            self._runs.gave_up(
                int(payload["run"]),
                str(payload["step"]),
                purpose,
                int(payload["attempt"]),
                timer.key,
                failure.error,
            )
            return
        what = _WHAT_FAILED.get(timer.kind)
        if what is None:
            return  # another family's timer: its own on_failure reports it
        channel = self._channel_of(timer)
        if channel is None:
            return  # the run is gone with its incident
        self._poster.post(
            Mark.gave_up(timer),
            channel,
            f":warning: warroom could not {what} after retries: {failure.error}",
        )

    def _channel_of(self, timer: ClaimedTimer) -> str | None:
        payload = timer.payload
        if "channel" in payload:
            return str(payload["channel"])
        if "run" in payload:
            checklist = self._steps.checklist(int(payload["run"]))
            return checklist.channel_id if checklist else None
        if "offer" in payload:
            offer = self._runs.undo_offer(str(payload["offer"]))
            return offer.channel_id if offer else None
        return None
