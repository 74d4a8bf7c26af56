"""response_url grants: where a response lands, and Slack's limits on using one.

Slack gives every slash command and interaction a ``response_url`` that accepts at most 5 posts
within 30 minutes. The fake answers like a webhook endpoint (HTTP status + small JSON body):
404 ``no_service`` for a URL it never issued, 404 ``expired_url`` after 30 minutes, 404
``used_url`` after the fifth post. (Slack documents the limits, not the exact failure bodies; these
codes are the ones its hooks endpoint is known to answer.)

What a post *does* (ephemeral, in_channel, replace_original, delete_original) is applied by
:meth:`warroom_sandbox.workspace.Workspace.deliver_response`; this module keeps the grants only.
"""

from __future__ import annotations

from warroom_sandbox.errors import ApiError
from warroom_sandbox.ids import Clock, IdFactory
from warroom_sandbox.model import ResponseUrl

RESPONSE_URL_TTL_SECONDS = 30 * 60
RESPONSE_URL_MAX_USES = 5


class ResponseDesk:
    """The response_url grants of one workspace."""

    def __init__(
        self,
        ids: IdFactory,
        clock: Clock,
        ttl: float = RESPONSE_URL_TTL_SECONDS,
        max_uses: int = RESPONSE_URL_MAX_USES,
    ) -> None:
        self._ids = ids
        self._clock = clock
        self.ttl = ttl
        self.max_uses = max_uses
        self.grants: dict[str, ResponseUrl] = {}

    def grant(
        self,
        channel_id: str,
        user_id: str,
        *,
        message_ts: str | None = None,
        ephemeral_ts: str | None = None,
    ) -> str:
        """A fresh token; ``message_ts``/``ephemeral_ts`` name the message an action came from."""
        token = self._ids.secret()
        self.grants[token] = ResponseUrl(
            token=token,
            channel_id=channel_id,
            user_id=user_id,
            created_at=self._clock(),
            message_ts=message_ts,
            ephemeral_ts=ephemeral_ts,
        )
        return token

    def redeem(self, token: str) -> ResponseUrl:
        """Count one use of ``token``; Slack's 404 answers when it cannot be used."""
        grant = self.grants.get(token)
        if grant is None:
            raise ApiError("no_service", status=404)
        if self._clock() - grant.created_at > self.ttl:
            raise ApiError("expired_url", status=404)
        if grant.uses >= self.max_uses:
            raise ApiError("used_url", status=404)
        grant.uses += 1
        return grant
