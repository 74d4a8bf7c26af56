"""What the web app plugs into the running bot: its routes (sign-in, the incident list and
pages, the insights with the on-call load, and their CSVs), the insights' warm-up started with
the server (``bot/insights/web/warmup.py``) and, at shutdown, stopping it and closing its HTTP
client to Slack."""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from prometheus_client import Counter
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config.model import Config
from bot.insights.web.auth import auth_routes
from bot.insights.web.cookies import Cookies
from bot.insights.web.incidents import Links, ServiceNames, incident_routes
from bot.insights.web.insights import insight_routes
from bot.insights.web.oidc import Client, SlackOpenId
from bot.insights.web.oncall import oncall_reader
from bot.insights.web.pages import Pages
from bot.insights.web.private_reviews import private_review_check
from bot.kernel.feature import Feature
from bot.kernel.runtime import Kernel
from bot.kernel.settings import Settings
from bot.kernel.slack.directory import SlackDirectory
from bot.postmortems.web.links import ReviewLinks, derived_secret
from bot.postmortems.web.page import PrivateReaders

CALLBACK_PATH = "/auth/slack/callback"
log = logging.getLogger(__name__)


def build(
    kernel: Kernel,
    review_readers: PrivateReaders | None = None,
    config: Callable[[], Config] | None = None,
) -> Feature:
    """``review_readers``: the post-mortem review page's gate for private incidents, which the
    web app's sign-in and the channel's members answer. ``config``: the schedules the on-call
    load is computed from (None leaves it out)."""
    settings = kernel.settings
    public = settings.public_url.rstrip("/")
    cookies = Cookies(
        _session_secret(settings, kernel.signing_secret),
        timedelta(hours=settings.web_session_hours),
        secure=public.startswith("https://"),
    )
    openid = _openid(settings, public)
    pages = Pages(cookies, configured=openid is not None)
    team = _Team(settings.slack_team_id, kernel.client)
    names = kernel.directory.name
    members = kernel.members
    directory = kernel.directory
    if review_readers is not None:
        review_readers.plug(private_review_check(pages, members))

    def zone_of(ref: str) -> str:
        """A paged person's zone: their Slack profile's (``ref`` is a Slack id or email)."""
        return directory.zone(directory.slack_id(ref)).key

    computations = Counter(
        "warroom_insights_computations",
        "Finished computations of a scope's /insights figures, by why: a view waiting for them, a "
        "stale view's background refresh, or the warm-up before anyone asks",
        ["why"],
        registry=kernel.metrics.registry,
    )
    for why in ("view", "refresh", "warm-up"):
        computations.labels(why)
    insights = insight_routes(
        pages,
        kernel.sessions,
        members,
        kernel.clock,
        zone_of,
        ServiceNames().get,
        oncall_reader(config, zone_of, _name_of(directory)) if config else None,
        lambda why: computations.labels(why).inc(),
    )
    routes = [
        *auth_routes(pages, openid, team.id, lambda user: kernel.directory.zone(user).key),
        *incident_routes(
            pages,
            kernel.sessions,
            Links(_review_links(kernel).url, names),
            members,
        ),
        *insights.routes,
    ]
    return Feature(
        "insights",
        routes=routes,
        start=[insights.warmup.start],
        close=[insights.warmup.stop, *([openid.close] if openid else [])],
    )


def _name_of(directory: SlackDirectory) -> Callable[[str], str | None]:
    def name(ref: str) -> str | None:
        slack_id = directory.slack_id(ref)
        return directory.name(slack_id) if slack_id else None

    return name


def _openid(settings: Settings, public: str) -> SlackOpenId | None:
    if not settings.slack_client_id or settings.slack_client_secret is None:
        return None
    client = Client(
        settings.slack_client_id,
        settings.slack_client_secret.get_secret_value(),
        public + CALLBACK_PATH,
    )
    return SlackOpenId(settings.slack_openid_url, client)


def _review_links(kernel: Kernel) -> ReviewLinks:
    """The post-mortem review page's signed links, made as the post-mortems feature makes them
    (the same secret and lifetime), so a signed-in viewer can open the review page."""
    settings = kernel.settings
    secret = (
        settings.postmortem_link_secret.get_secret_value().encode()
        if settings.postmortem_link_secret is not None
        else derived_secret(kernel.signing_secret)
    )
    lifetime = timedelta(hours=settings.postmortem_link_hours)
    return ReviewLinks(settings.public_url, secret, lifetime, kernel.clock)


def _session_secret(settings: Settings, signing_secret: str) -> bytes:
    if settings.web_session_secret is not None:
        return settings.web_session_secret.get_secret_value().encode()
    # A key of its own, derived from the Slack signing secret (never the same key).
    return hmac.new(signing_secret.encode(), b"warroom web sessions", hashlib.sha256).digest()


class _Team:
    """The workspace whose members may sign in: SLACK_TEAM_ID, else the bot token's (auth.test,
    asked once it is first needed and remembered)."""

    def __init__(self, configured: str | None, client: WebClient) -> None:
        self._team = configured
        self._client = client
        self._lock = threading.Lock()

    def id(self) -> str | None:
        with self._lock:
            if self._team is None:
                try:
                    self._team = str(self._client.auth_test()["team_id"])
                except (SlackApiError, KeyError, OSError) as error:
                    log.warning("auth.test failed, cannot tell the bot's workspace: %s", error)
            return self._team
