"""The Slack sandbox: a fake Slack Web API on loopback, and Slack's side of talking to the app.

Tests point the app's slack-sdk ``WebClient`` (``SLACK_API_URL``) at :class:`FakeSlackServer` and
drive the app with :class:`SlackDriver`; ``warroom dev`` serves the same workspace to a browser.

Map (each module's docstring states its contract):

- ``emulator``   :class:`SlackEmulator`: the fake as one object (workspace, faults, app, URLs).
- ``server``     :class:`FakeSlackServer` (uvicorn on a background thread) and ``BackgroundServer``.
- ``routes``     HTTP: ``/api/<method>`` (auth, faults, rate limits, log), ``/response/<token>``.
- ``methods``    the Web API methods, one module per family, with Slack's rules and error codes.
- ``workspace``  :class:`Workspace`: the state, Slack's operations on it, and the test queries.
- ``model``      the records (users, channels, messages, views...) and their API shapes.
- ``modals``     trigger ids, modal stacks, App Home. ``responses``: response_url grants.
- ``rules``      name, message, Block Kit and view validation. ``seed``: the starting workspace.
- ``faults``     failure injection, latency, Slack's rate-limit tiers. ``ids``: ids, ts, clocks.
- ``signing``    v0 request signing and :class:`SlackDriver`; ``payloads`` builds what it sends.
- ``dev``        ``warroom dev``: bot, emulator and page on one port. ``snapshot``: the saved
                 workspace. ``from_config``: the config's people and team channels.
- ``web``        the browser page (a small Slack client). ``scenario``: scripted incidents.
"""

from warroom_sandbox.emulator import SlackEmulator
from warroom_sandbox.errors import ApiError
from warroom_sandbox.ids import ManualClock
from warroom_sandbox.server import BackgroundServer, FakeSlackServer
from warroom_sandbox.signing import SlackDriver, signature, signed_headers
from warroom_sandbox.workspace import Workspace

__all__ = [
    "ApiError",
    "BackgroundServer",
    "FakeSlackServer",
    "ManualClock",
    "SlackDriver",
    "SlackEmulator",
    "Workspace",
    "signature",
    "signed_headers",
]
