"""Timer handlers that publish an approved post-mortem: the Markdown file and the webhook.

The file is written atomically (a temporary file in the same folder, then a rename), so a reader
never sees half a post-mortem and a crash leaves the previous file whole. The webhook gets a JSON
document signed like every warroom webhook (``bot.paging.notify.signing``) with an
``Idempotency-Key`` that is the same for every retry of one version; the shared ``Sender`` retries
429/5xx with backoff, the durable timer retries again later, and a permanent failure (or giving up)
is reported in the incident channel and on the summary message.

Webhook body (``application/json``)::

    {"event": "postmortem.published", "key": "incident:<n>:postmortem:v<version>",
     "incident": {"number", "title", "severity", "service", "channel"},
     "postmortem": {"version", "file", "authors", "approved_by", "markdown"}}
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from slack_sdk import WebClient

from bot.kernel.http import OutboundRequest
from bot.kernel.slack.marked import Mark, Poster
from bot.kernel.timers.outcomes import Done, Handler, Outcome, TimerFailure
from bot.kernel.timers.store import ClaimedTimer
from bot.paging.notify.delivery import Sender
from bot.paging.notify.errors import DeliveryFailed
from bot.paging.notify.notice import header_key
from bot.paging.notify.signing import signed_headers
from bot.postmortems.exports import FILE, WEBHOOK, ExportJob, PostmortemExports
from bot.postmortems.timers import EXPORT_FILE, EXPORT_WEBHOOK

EVENT = "postmortem.published"
_TARGETS = {EXPORT_FILE: FILE, EXPORT_WEBHOOK: WEBHOOK}


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step; creates the folder if needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def webhook_body(job: ExportJob) -> dict[str, Any]:
    incident = job.incident
    return {
        "event": EVENT,
        "key": f"incident:{incident.number}:postmortem:v{job.version.number}",
        "incident": {
            "number": incident.number,
            "title": incident.title,
            "severity": incident.severity.value,
            "service": incident.service,
            "channel": job.channel_id,
        },
        "postmortem": {
            "version": job.version.number,
            "file": job.file.name,
            "authors": list(job.authors),
            "approved_by": list(job.approvers),
            "markdown": job.markdown,
        },
    }


class ExportEffects:
    def __init__(
        self,
        exports: PostmortemExports,
        client: WebClient,
        sender: Sender,
        webhook_secret: str | None,
        wall_clock: Callable[[], float],
    ) -> None:
        self._exports = exports
        self._poster = Poster(client)
        self._sender = sender
        self._secret = webhook_secret
        self._wall_clock = wall_clock

    def handlers(self) -> dict[str, Handler]:
        return {EXPORT_FILE: self.write_file, EXPORT_WEBHOOK: self.post_webhook}

    def write_file(self, timer: ClaimedTimer) -> Outcome:
        number, version = int(timer.payload["incident"]), int(timer.payload["version"])
        job = self._exports.job(number, version, FILE)
        if job is not None:
            write_atomically(Path(job.destination), job.markdown)
            self._exports.delivered(number, version, FILE)
        return Done()

    def post_webhook(self, timer: ClaimedTimer) -> Outcome:
        number, version = int(timer.payload["incident"]), int(timer.payload["version"])
        job = self._exports.job(number, version, WEBHOOK)
        if job is None:
            return Done()
        try:
            self._deliver(job)
        except DeliveryFailed as failure:
            if not failure.permanent:
                raise  # the timer tries again later with backoff; on_failure reports giving up
            mark = Mark.of(timer, since=timer.due_at, key=f"{timer.key}:refused")
            self._report(mark, number, version, WEBHOOK, str(failure), job.channel_id)
            return Done()
        self._exports.delivered(number, version, WEBHOOK)
        return Done()

    def _deliver(self, job: ExportJob) -> None:
        secret = self._secret
        assert secret is not None  # the feature's build refuses a webhook URL without a secret
        document = webhook_body(job)
        body = json.dumps(document, separators=(",", ":")).encode()
        key = header_key(f"{document['key']}:publish")

        def build() -> OutboundRequest:
            headers = {"Content-Type": "application/json", "Idempotency-Key": key}
            return OutboundRequest(
                "POST",
                job.destination,
                headers | signed_headers(secret, body, self._wall_clock()),
                body,
            )

        self._sender.send("post-mortem webhook", "publish", build, secrets=(secret,))

    def on_failure(self, failure: TimerFailure) -> None:
        target = _TARGETS.get(failure.timer.kind)
        if target is None:
            return
        payload = failure.timer.payload
        number, version = int(payload["incident"]), int(payload["version"])
        self._report(Mark.gave_up(failure.timer), number, version, target, failure.error, None)

    def _report(
        self,
        mark: Mark,
        number: int,
        version: int,
        target: str,
        error: str,
        channel_id: str | None,
    ) -> None:
        """Mark the export failed (the summary shows it) and say so in the channel."""
        self._exports.failed(number, version, target, error)
        channel = channel_id or self._exports.channel_of(number)
        if channel is None:
            return
        where = "the export folder" if target == FILE else "the webhook"
        self._poster.post(
            mark,
            channel,
            f":x: Could not publish version {version} of the post-mortem to {where}: {error}. "
            "Once it is fixed, click *Approve* on the summary again to retry.",
        )
