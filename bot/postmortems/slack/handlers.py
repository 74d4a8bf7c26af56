"""Timer handlers that carry a post-mortem's Slack side effects: the offer on resolve and the
summary message.

Both messages carry their key in message metadata (``marked``): a retry after a crash, or after a
post Slack applied but answered with a 5xx, finds the message it already posted instead of posting
it again, and the summary is then updated in place (posted again only if someone deleted it).
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.incidents.service import IncidentService
from bot.incidents.slack import blocks
from bot.kernel.slack import marked
from bot.kernel.slack.marked import Mark, Poster
from bot.kernel.timers.outcomes import Done, Handler, Outcome, TimerFailure
from bot.kernel.timers.store import ClaimedTimer
from bot.postmortems.service import PostmortemService
from bot.postmortems.slack import blocks as pm
from bot.postmortems.timers import OFFER, SUMMARY, summary_key
from bot.postmortems.web.links import ReviewLinks

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
        self._poster = Poster(client)
        self._links = links

    def handlers(self) -> dict[str, Handler]:
        return {OFFER: self.offer, SUMMARY: self.summary}

    def offer(self, timer: ClaimedTimer) -> Outcome:
        number = int(timer.payload["incident"])
        row = self._incidents.provisioning(number)
        if row is None or row.channel_id is None:
            return Done()  # gone: nobody to offer to
        text, offer_blocks = pm.offer(number, redraft=self._service.has_draft(number))
        since = row.resolved_at or row.declared_at
        mark = Mark.of(timer, since=since, key=timer.key)
        self._poster.post(mark, row.channel_id, text, blocks.to_dicts(offer_blocks))
        return Done()

    def summary(self, timer: ClaimedTimer) -> Outcome:
        number = int(timer.payload["incident"])
        view = self._service.view(number)
        if view is None or view.channel_id is None:
            return Done()
        text, summary_blocks = pm.summary(view, self._links.url(number))
        as_dicts = blocks.to_dicts(summary_blocks)
        mark = Mark.of(timer, since=view.created_at, key=summary_key(number))
        ts = view.summary_ts
        if ts is None and mark.retry:  # an earlier attempt may have posted it, then failed
            ts = marked.find(self._client, view.channel_id, mark.key, mark.since)
        if ts is not None:
            try:
                self._client.chat_update(channel=view.channel_id, ts=ts, text=text, blocks=as_dicts)
            except SlackApiError as error:
                if error.response.get("error") != "message_not_found":
                    raise
                ts = None  # someone deleted it: post it again
        if ts is None:
            # Searched already, or deleted: no need to search again.
            ts = self._poster.post(Mark(mark.key, mark.since), view.channel_id, text, as_dicts)
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
            self._poster.post(
                Mark.gave_up(failure.timer),
                row.channel_id,
                f":warning: warroom could not {what} after retries: {failure.error}",
            )
