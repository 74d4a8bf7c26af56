"""Timer handlers that carry a post-mortem's Slack side effects: the offer on resolve and the
summary message.

Both messages carry their key in message metadata (``marked``): a retry after a crash finds the
message it already posted instead of posting it again, and the summary is then updated in place
(posted again only if someone deleted it).
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.incidents import IncidentService
from bot.services.postmortem_effects import OFFER, SUMMARY, offer_key, summary_key
from bot.services.postmortems import PostmortemService
from bot.slack import blocks, marked
from bot.slack import postmortem_blocks as pm
from bot.timers.outcomes import Done, Handler, Outcome, TimerFailure
from bot.timers.store import ClaimedTimer
from bot.web.postmortem_links import ReviewLinks

_WHAT_FAILED = {
    OFFER: "offer to draft the post-mortem",
    SUMMARY: "update the post-mortem summary",
}


class PostmortemEffects:
    def __init__(
        self,
        service: PostmortemService,
        incidents: IncidentService,
        client: WebClient,
        links: ReviewLinks,
    ) -> None:
        self._service = service
        self._incidents = incidents
        self._client = client
        self._links = links

    def handlers(self) -> dict[str, Handler]:
        return {OFFER: self.offer, SUMMARY: self.summary}

    def offer(self, timer: ClaimedTimer) -> Outcome:
        number = int(timer.payload["incident"])
        row = self._incidents.provisioning(number)
        if row is None or row.channel_id is None or self._service.has_draft(number):
            return Done()  # gone, or someone drafted already: no need to offer
        if marked.find(self._client, row.channel_id, offer_key(number), timer.due_at):
            return Done()
        text, offer_blocks = pm.offer(number)
        self._client.chat_postMessage(
            channel=row.channel_id,
            text=text,
            blocks=blocks.to_dicts(offer_blocks),
            metadata=marked.metadata(offer_key(number)),
        )
        return Done()

    def summary(self, timer: ClaimedTimer) -> Outcome:
        number = int(timer.payload["incident"])
        view = self._service.view(number)
        if view is None or view.channel_id is None:
            return Done()
        text, summary_blocks = pm.summary(view, self._links.url(number))
        as_dicts = blocks.to_dicts(summary_blocks)
        key = summary_key(number)
        ts = view.summary_ts or marked.find(self._client, view.channel_id, key, view.created_at)
        if ts is not None:
            try:
                self._client.chat_update(channel=view.channel_id, ts=ts, text=text, blocks=as_dicts)
            except SlackApiError as error:
                if error.response.get("error") != "message_not_found":
                    raise
                ts = None  # someone deleted it: post it again
        if ts is None:
            posted = self._client.chat_postMessage(
                channel=view.channel_id, text=text, blocks=as_dicts, metadata=marked.metadata(key)
            )
            ts = str(posted["ts"])
        if view.summary_ts != ts:
            self._service.summary_posted(number, ts)
        return Done()

    def on_failure(self, failure: TimerFailure) -> None:
        """Gave up after retries: say so in the channel (other families' kinds are ignored)."""
        what = _WHAT_FAILED.get(failure.timer.kind)
        if what is None:
            return
        row = self._incidents.provisioning(int(failure.timer.payload["incident"]))
        if row is not None and row.channel_id is not None:
            self._client.chat_postMessage(
                channel=row.channel_id,
                text=f":warning: warroom could not {what} after retries: {failure.error}",
            )
