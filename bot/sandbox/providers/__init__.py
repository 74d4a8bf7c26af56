"""Local fakes of the paging providers, served on loopback for tests and the sandbox.

Each is a context manager with ``.url`` (point the bot's base URL setting at it), query helpers,
and failure injection shared through :class:`FakeProvider`: ``fail(times, status=500|429|400)``,
``timeout(times, seconds)``, ``refuse_connections()`` / ``accept_connections()``.

- ``pagerduty`` :class:`FakePagerDuty`: Events API v2 (``/v2/enqueue``), dedup by ``dedup_key``.
- ``opsgenie``  :class:`FakeOpsgenie`: Alert API (create/acknowledge/close), dedup by ``alias``.
- ``webhook``   :class:`FakeWebhookReceiver`: verifies signatures, dedups on ``Idempotency-Key``.
- ``base``      :class:`FakeProvider`, :class:`RecordedRequest`: the shared machinery.
"""

from bot.sandbox.providers.base import FakeProvider, RecordedRequest
from bot.sandbox.providers.opsgenie import FakeOpsgenie, OpsgenieAction, OpsgenieAlert
from bot.sandbox.providers.pagerduty import FakePagerDuty, PagerDutyIncident
from bot.sandbox.providers.webhook import FakeWebhookReceiver, WebhookDelivery

__all__ = [
    "FakeOpsgenie",
    "FakePagerDuty",
    "FakeProvider",
    "FakeWebhookReceiver",
    "OpsgenieAction",
    "OpsgenieAlert",
    "PagerDutyIncident",
    "RecordedRequest",
    "WebhookDelivery",
]
