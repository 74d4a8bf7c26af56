"""Local fakes of the paging, flag and Kubernetes APIs, on loopback for tests and the sandbox.

Each is a context manager with ``.url`` (point the bot's base URL setting at it), query helpers,
and failure injection shared through :class:`FakeProvider`: ``fail(times, status=500|429|400)``,
``timeout(times, seconds)``, ``refuse_connections()`` / ``accept_connections()``.

- ``pagerduty`` :class:`FakePagerDuty`: Events API v2 (``/v2/enqueue``), dedup by ``dedup_key``.
- ``opsgenie``  :class:`FakeOpsgenie`: Alert API (create/acknowledge/close), dedup by ``alias``.
- ``webhook``   :class:`FakeWebhookReceiver`: verifies signatures, dedups on ``Idempotency-Key``.
- ``launchdarkly``, ``unleash``, ``flagsmith``, ``flag_http``: flag admin APIs (seed flags, read
  their state, answer as the real APIs do, including pending approvals and change requests).
- ``kubernetes`` :class:`FakeKubernetes`: Deployments' ``scale`` subresource, ``dryRun=All``.
- ``base``      :class:`FakeProvider`, :class:`RecordedRequest`: the shared machinery;
  ``admin`` :class:`FakeAdminApi`: tokens with or without write rights, slow answers.
"""

from bot.sandbox.providers.admin import FakeAdminApi
from bot.sandbox.providers.base import FakeProvider, RecordedRequest
from bot.sandbox.providers.flag_http import FakeFlagHttp
from bot.sandbox.providers.flagsmith import FakeFlagsmith
from bot.sandbox.providers.kubernetes import FakeKubernetes
from bot.sandbox.providers.launchdarkly import FakeLaunchDarkly
from bot.sandbox.providers.opsgenie import FakeOpsgenie, OpsgenieAction, OpsgenieAlert
from bot.sandbox.providers.pagerduty import FakePagerDuty, PagerDutyIncident
from bot.sandbox.providers.unleash import FakeUnleash
from bot.sandbox.providers.webhook import FakeWebhookReceiver, WebhookDelivery

__all__ = [
    "FakeAdminApi",
    "FakeFlagHttp",
    "FakeFlagsmith",
    "FakeKubernetes",
    "FakeLaunchDarkly",
    "FakeOpsgenie",
    "FakePagerDuty",
    "FakeProvider",
    "FakeUnleash",
    "FakeWebhookReceiver",
    "OpsgenieAction",
    "OpsgenieAlert",
    "PagerDutyIncident",
    "RecordedRequest",
    "WebhookDelivery",
]
