"""Hostile input against every HTTP endpoint but Slack's, over real HTTP on loopback.

The whole app runs as the end-to-end tests run it (``tests.e2e.conftest``'s ``bot``, with the
alert tests' config: ``tests.alerts.e2e.conftest.write_config``) with every alert webhook enabled,
by bearer token and by HMAC secret. Hypothesis sends, on a raw socket so that any header byte
can be sent: alert payloads in each sender's shape with fields missing, mistyped or replaced by
huge numbers, out-of-range times, NUL, lone surrogates, deep nesting or huge strings, and raw
junk; headers malformed (non-ASCII bytes, huge, empty) next to correct credentials, so that the
parser is reached; review-page links with hostile paths and parameters, correctly signed too;
calendar feed names and queries; and the probes with junk queries. Every answer must be below
500 and come within ``LATENCY_BOUND_SECONDS`` (a bound, not a measure: they take milliseconds),
and nothing may log a traceback at ERROR. Every payload answered 200 must then be processed
(an accepted payload that can never be applied is refused at intake instead).

``WARROOM_FUZZ_EXAMPLES`` sets the examples per test (default 60: the file runs in well under a
minute); raise it for a longer hunt.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from sqlalchemy import select

from bot.alerts.rows import PROCESSED, AlertPayloadRow
from bot.alerts.service import process_key
from bot.kernel.timers.rows import Timer
from bot.oncall.web.ical import CalendarFeeds
from bot.paging.notify.signing import signed_headers
from bot.postmortems.web.links import derived_secret
from tests.alerts.e2e.conftest import fixture, write_config
from tests.e2e.conftest import (
    ICAL_SECRET,
    SECRET,
    Bot,
    bot,
    eventually,
    fake_slack_server,
    slack,
)
from tests.postmortem.test_e2e_review import draft, incident
from warroom_sandbox.fuzz import FuzzRequest, wire
from warroom_sandbox.fuzz.wire import Answer

__all__ = ["bot", "fake_slack_server", "slack"]  # the e2e fixtures, used here

pytestmark = pytest.mark.timeout(600)

EXAMPLES = int(os.environ.get("WARROOM_FUZZ_EXAMPLES", "60"))
LATENCY_BOUND_SECONDS = 5.0  # a bound, far over the milliseconds: a loaded 2-core CI machine
MAX_BODY = 100_000  # the webhooks' limit here, so that huge bodies cross it quickly
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

TOKENS = {"alertmanager": "am-fuzz-token", "grafana": "gf-fuzz-token", "generic": "gen-fuzz-token"}
HMAC_SECRETS = {"grafana": "gf-fuzz-secret", "generic": "gen-fuzz-secret"}


HEARTBEAT_TOKEN = "hb-fuzz-token"
HEARTBEATS = "heartbeats:\n  - {name: nightly-backup, interval_minutes: 60, service: orders-db}\n"


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    folder = write_config(tmp_path)
    (folder / "heartbeats.yaml").write_text(HEARTBEATS)
    return folder


@pytest.fixture
def extra_settings() -> dict[str, Any]:
    return {
        "alerts_alertmanager_token": SecretStr(TOKENS["alertmanager"]),
        "alerts_grafana_token": SecretStr(TOKENS["grafana"]),
        "alerts_grafana_hmac_secret": SecretStr(HMAC_SECRETS["grafana"]),
        "alerts_generic_token": SecretStr(TOKENS["generic"]),
        "alerts_generic_hmac_secret": SecretStr(HMAC_SECRETS["generic"]),
        "alerts_max_body_bytes": MAX_BODY,
        "heartbeats_token": HEARTBEAT_TOKEN,
    }


# -- sending ------------------------------------------------------------------------------------

Header = tuple[bytes, bytes]


def send(bot: Bot, method: str, target: str, headers: list[Header], body: bytes = b"") -> Answer:
    """One request on a fresh connection, its bytes exactly as given (``warroom_sandbox.fuzz``)."""
    host, port = bot.url.removeprefix("http://").rsplit(":", 1)
    request = FuzzRequest("web", method, target, body, tuple(headers))
    return wire.send(host, int(port), request)


def check(answer: Answer, what: str) -> None:
    assert 0 < answer.status < 500, f"{what}: {answer.status} {answer.body[:300]!r}"
    assert answer.seconds < LATENCY_BOUND_SECONDS, f"{what}: took {answer.seconds:.1f} s"


# What the HTTP server itself answers (400) to bytes HTTP forbids in a header (NUL, CR, other
# control characters); the app never sees such a request.
INVALID_HTTP = b"Invalid HTTP request received."


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    """No ERROR with a traceback, and no ASGI exception, was logged; then forget the records."""
    bad = [
        r
        for r in caplog.records
        if r.levelno >= logging.ERROR and (r.exc_info or r.name.startswith("uvicorn"))
    ]
    caplog.clear()
    assert not bad, "\n".join(f"{r.name}: {r.getMessage()}" for r in bad)


# -- hostile values -----------------------------------------------------------------------------

RAW = "@@raw{}@@"  # a placeholder string that ``encode`` replaces with raw JSON text
RAW_TEXTS = [
    b"[" * 100_000 + b"]" * 100_000,  # deeper than any parser goes
    b"[" * 950 + b"]" * 950,
    b'{"a":' * 2000 + b"1" + b"}" * 2000,
    b"9" * 5000,  # more digits than Python reads
    b"-" + b"1" * 4301,
    b"1e999999",
    b"NaN",
    b"-Infinity",
]
SPECIAL_STRINGS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "é" * 300,
    "🔥🔥🔥",
    "\u202e\u200b",
    "n" * 256,
    "firing",
    "resolved",
    "pending",
    "2026-11-20T14:02:11Z",
    "2026-11-20T14:02:11",
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+05:00",
    "9999-12-31T23:00:00-05:00",
    "9999-12-31T23:59:59.999999+00:00",
    "1969-12-31T23:59:59Z",
    "2026-13-45T99:99:99Z",
    "2026-11-20T14:02:11.123456789+01:00",
    "checkout",
    "refunds",
    "payments-api",
    "4",
    "1",
]

hostile_text = st.one_of(
    st.sampled_from(SPECIAL_STRINGS),
    st.text(max_size=30),
    st.text(st.characters(categories=["Cs", "Cc", "Co", "So", "Zl"]), max_size=8),
    st.integers(1_000, 120_000).map(lambda n: "x" * n),
)
hostile_number = st.one_of(
    st.integers(),
    st.sampled_from([2**31, 2**63, 2**64, -(2**63) - 1, 10**300, -1, 0, True, False]),
    st.floats(allow_nan=True, allow_infinity=True),
)
hostile_raw = st.integers(0, len(RAW_TEXTS) - 1).map(RAW.format)
hostile_leaf = st.none() | hostile_text | hostile_number | hostile_raw
hostile_value = st.one_of(  # two levels at most: deeper nesting is among the raw texts
    hostile_leaf,
    st.lists(hostile_leaf, max_size=3),
    st.dictionaries(hostile_text, hostile_leaf, max_size=3),
    st.lists(st.dictionaries(hostile_text, hostile_leaf, max_size=2), max_size=2),
)


def encode(document: Any, ascii_only: bool) -> bytes:
    """JSON bytes of ``document``; lone surrogates become invalid UTF-8 when not escaped."""
    text = json.dumps(document, ensure_ascii=ascii_only)
    raw = text.encode("utf-8", "surrogatepass")
    for index, replacement in enumerate(RAW_TEXTS):
        raw = raw.replace(json.dumps(RAW.format(index)).encode(), replacement)
    return raw


# -- alert webhook requests ---------------------------------------------------------------------

GENERIC = {
    "group_key": "disks",
    "alerts": [
        {
            "name": "Disk almost full",
            "status": "firing",
            "labels": {"service": "checkout", "severity": "warning"},
            "summary": "db-1 /var at 93%",
            "description": "Free space under 7%",
            "starts_at": "2026-11-20T14:02:11Z",
            "ends_at": "2026-11-20T14:30:00Z",
            "url": "https://monitor.example.com/checks/42",
            "fingerprint": "db-1-disk",
        }
    ],
}
BASES = {
    "alertmanager": fixture("alertmanager-firing-v4.json"),
    "grafana": fixture("grafana-firing.json"),
    "generic": GENERIC,
}


def _slots(document: Any) -> Iterator[tuple[Any, Any]]:
    """Every (container, key or index) in ``document``, the root's too (``(None, None)``)."""
    yield None, None
    stack = [document]
    while stack:
        node = stack.pop()
        keys = list(node) if isinstance(node, dict) else range(len(node))
        for key in keys:
            yield node, key
            if isinstance(node[key], dict | list):
                stack.append(node[key])


@st.composite
def mutated(draw: st.DrawFn, source: str) -> bytes:
    document = copy.deepcopy(BASES[source])
    for _ in range(draw(st.integers(0, 3))):
        container, key = draw(st.sampled_from(list(_slots(document))))
        if container is None:
            document = draw(hostile_value)
            break
        action = draw(st.sampled_from(["delete", "replace", "replace", "duplicate"]))
        if action == "delete":
            del container[key]
        elif action == "replace":
            container[key] = draw(hostile_value)
        elif isinstance(container, list):
            container.extend([container[key]] * draw(st.integers(1, 300)))
        else:
            container[draw(hostile_text)] = container[key]
    return encode(document, draw(st.booleans()))


def bodies(source: str) -> st.SearchStrategy[bytes]:
    valid = encode(BASES[source], True)
    return st.one_of(
        mutated(source),
        mutated(source),
        mutated(source),
        st.binary(max_size=300),
        st.integers(0, len(valid)).map(lambda n: valid[:n]),  # cut short
        hostile_value.map(lambda v: encode(v, True)),
    )


junk_value = st.one_of(
    st.binary(max_size=64).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"")),
    st.sampled_from(
        [
            b"",
            b" ",
            b"\xff\xfe",
            "é".encode(),
            b"\xc3",
            "²".encode(),
            "١٧٩٥٠٠٠٠٠٠".encode(),
            b"9" * 5000,
            b"v1=" + b"\xff" * 64,
            b"v1=" + b"0" * 64,
            b"Bearer",
            b"Bearer ",
            b"Bearer \xff\xfe",
            b"Basic Zm9vOmJhcg==",
            b"x" * 20_000,
        ]
    ),
)
AUTH_HEADERS = [
    b"Authorization",
    b"X-Warroom-Signature",
    b"X-Warroom-Timestamp",
    b"X-Grafana-Alerting-Signature",
    b"X-Grafana-Alerting-Timestamp",
    b"Content-Type",
    b"Content-Encoding",
    b"Transfer-Encoding",
]
junk_header = st.tuples(st.sampled_from(AUTH_HEADERS), junk_value)


def credentials(source: str, body: bytes, way: int) -> list[Header]:
    """Correct credentials for ``body``: the token, or (where there is one) the HMAC secret."""
    secret = HMAC_SECRETS.get(source)
    if way == 0 or secret is None:
        return [(b"Authorization", f"Bearer {TOKENS[source]}".encode())]
    if source == "generic":
        return [(k.encode(), v.encode()) for k, v in signed_headers(secret, body).items()]
    timestamp = str(int(time.time()))
    digest = hmac.new(secret.encode(), timestamp.encode() + b":" + body, hashlib.sha256)
    return [
        (b"X-Grafana-Alerting-Timestamp", timestamp.encode()),
        (b"X-Grafana-Alerting-Signature", digest.hexdigest().encode()),
    ]


@dataclass(frozen=True)
class WebhookRequest:
    source: str
    body: bytes
    headers: list[Header]
    authentic: bool  # correct credentials and no junk among the authentication headers


@st.composite
def webhook_requests(draw: st.DrawFn) -> WebhookRequest:
    source = draw(st.sampled_from(list(BASES)))
    body = draw(bodies(source))
    authentic = draw(st.integers(0, 3)) > 0
    headers = credentials(source, body, draw(st.integers(0, 1))) if authentic else []
    junk = draw(st.lists(junk_header, max_size=3))
    if authentic:  # junk that leaves the credentials alone, so that the parser is reached
        junk = [(name, value) for name, value in junk if name in (b"Content-Type",)]
    headers += junk
    return WebhookRequest(source, body, draw(st.permutations(headers)), authentic)


def test_alert_webhooks_answer_any_request_with_a_4xx_or_store_it(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    accepted: set[int] = set()

    @FUZZ
    @given(request=webhook_requests())
    def one(request: WebhookRequest) -> None:
        with caplog.at_level(logging.WARNING):
            answer = send(bot, "POST", f"/webhooks/{request.source}", request.headers, request.body)
        check(answer, f"{request.source} {request.body[:200]!r}")
        no_tracebacks(caplog)
        if answer.body != INVALID_HTTP:  # the app answered: JSON, an error unless it is a 200
            said = json.loads(answer.body)
            assert ("error" in said) == (answer.status != 200), said
        if not request.authentic:  # never past authentication: 401, unless HTTP forbids it
            assert answer.status == 401 or answer.body == INVALID_HTTP, answer
        if answer.status == 200:
            receipt = json.loads(answer.body)
            if receipt["status"] == "accepted":
                accepted.add(int(receipt["payload"]))

    one()
    processed(bot, accepted, caplog)


def processed(bot: Bot, accepted: set[int], caplog: pytest.LogCaptureFixture) -> None:
    """Every accepted payload is processed: a 200 means it is recorded, and can be applied."""

    found: dict[int, str] = {}

    def settled() -> bool:
        # True, not the statuses: a run that accepted nothing has none, and {} would read as
        # "not yet" until the wait ran out.
        with bot.app.sessions() as session:
            found.update(session.execute(select(AlertPayloadRow.id, AlertPayloadRow.status)).all())
        return all(found.get(p) not in (None, "pending") for p in accepted)

    with caplog.at_level(logging.WARNING):
        try:
            eventually(settled, timeout=120, what="every accepted payload processed")
        except AssertionError as error:
            raise AssertionError(f"{error}; {stuck(bot, accepted)}") from None
    assert {p: found[p] for p in accepted} == dict.fromkeys(accepted, PROCESSED)
    no_tracebacks(caplog)


def stuck(bot: Bot, accepted: set[int]) -> str:
    """The accepted payloads that are not processed: those not stored at all, and those still
    pending with their processing timer as it stands (none, cancelled, backing off, leased)."""
    with bot.app.sessions() as session:
        stored = dict(session.execute(select(AlertPayloadRow.id, AlertPayloadRow.status)).all())
        pending = session.execute(
            select(AlertPayloadRow.id, AlertPayloadRow.attempts, AlertPayloadRow.error).where(
                AlertPayloadRow.status == "pending", AlertPayloadRow.id.in_(accepted)
            )
        ).all()
        keys = {process_key(row.id): row.id for row in pending}
        timers = {
            keys[t.key]: (t.status, t.due_at, t.attempts, t.lease_owner)
            for t in session.scalars(select(Timer).where(Timer.key.in_(keys)))
        }
    missing = sorted(accepted - stored.keys())
    return (
        f"accepted but not stored: {missing} (stored: {sorted(stored)}); "
        f"pending: {[(*row, timers.get(row.id)) for row in pending]}"
    )


# -- the post-mortem review page ------------------------------------------------------------------

path_text = st.one_of(
    st.integers(-3, 5).map(str),
    st.integers(0, 10**30).map(str),
    st.sampled_from(["9" * 5000, "2147483648", "99999999999999999", "00001", "\uff11", "1.0"]),
    st.sampled_from(["1e3", "", "%", "1/2", "²", "\ud800", "\x00", "primary", "..", "-1"]),
    st.text(max_size=20),
)
param_text = st.one_of(
    st.sampled_from(["", "²", "9" * 5000, "\uff12", "-1", "0", "1", "2", "3", "\ud800", "\x00"]),
    st.integers(-5, 10**25).map(str),
    st.text(max_size=20),
)


def _query(pairs: list[tuple[str, str]]) -> str:
    return urlencode(pairs, errors="surrogatepass")


@st.composite
def review_targets(draw: st.DrawFn, key: bytes, now: float) -> str:
    path = draw(st.one_of(st.just("1"), path_text))
    expires = draw(st.one_of(st.just(str(int(now) + 3600)), param_text))
    if draw(st.booleans()):
        message = f"postmortem:{path}:{expires}".encode("utf-8", "surrogatepass")
        sig = hmac.new(key, message, hashlib.sha256).hexdigest()
    else:
        sig = draw(param_text)
    pairs = [("expires", expires), ("sig", sig)]
    if draw(st.booleans()):
        pairs.append(("diff", draw(param_text)))
    pairs += draw(st.lists(st.tuples(param_text, param_text), max_size=2))
    pairs = draw(st.permutations(pairs))
    query = _query(pairs) if draw(st.integers(0, 4)) else draw(raw_query)
    return f"/postmortems/{quote(path, safe='', errors='surrogatepass')}?{query}"


raw_query = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="#"), max_size=40
)


def test_the_review_page_answers_any_link_with_the_page_or_a_4xx(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    draft(bot, incident(bot))
    key = derived_secret(SECRET)

    @FUZZ
    @given(target=review_targets(key, bot.clock().timestamp()))
    def one(target: str) -> None:
        with caplog.at_level(logging.WARNING):
            answer = send(bot, "GET", target, [])
        check(answer, target[:300])
        no_tracebacks(caplog)

    one()


# -- the calendar feed and the probes -----------------------------------------------------------


@st.composite
def feed_targets(draw: st.DrawFn) -> str:
    name = draw(st.one_of(st.just("primary"), path_text, st.sampled_from(["primary\x00", "..."])))
    feeds = CalendarFeeds("http://localhost:3000", SecretStr(ICAL_SECRET))
    try:
        good = feeds.token(name)
    except UnicodeEncodeError:  # the server never sees a lone surrogate (it decodes with U+FFFD)
        good = None
    token = good if good is not None and draw(st.booleans()) else draw(param_text)
    pairs = draw(
        st.permutations(
            [("token", token), *draw(st.lists(st.tuples(param_text, param_text), max_size=2))]
        )
    )
    query = _query(pairs) if draw(st.integers(0, 4)) else draw(raw_query)
    return f"/oncall/{quote(name, safe='', errors='surrogatepass')}.ics?{query}"


def test_calendar_feeds_and_probes_answer_any_request_below_500(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    probes = st.tuples(st.sampled_from(["/healthz", "/readyz", "/metrics"]), raw_query).map(
        lambda pair: f"{pair[0]}?{pair[1]}"
    )

    @FUZZ
    @given(
        target=st.one_of(feed_targets(), probes),
        method=st.sampled_from(["GET", "GET", "POST", "HEAD"]),
    )
    def one(target: str, method: str) -> None:
        with caplog.at_level(logging.WARNING):
            answer = send(bot, method, target, [])
        check(answer, f"{method} {target[:300]}")
        if method == "GET" and target.startswith(("/healthz", "/readyz", "/metrics")):
            assert answer.status == 200, answer
        no_tracebacks(caplog)

    one()


# -- heartbeats ---------------------------------------------------------------------------------


def test_heartbeats_answer_any_request_with_a_4xx_or_record_it(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    authorization = st.one_of(
        st.just(f"Bearer {HEARTBEAT_TOKEN}"),
        st.sampled_from(["", "Bearer", "Bearer ", "Basic eDp5", f"bearer  {HEARTBEAT_TOKEN}  "]),
        st.text(max_size=40).map(lambda text: f"Bearer {text}"),
    )

    @FUZZ
    @given(
        name=st.one_of(st.just("nightly-backup"), path_text),
        auth=st.one_of(st.none(), authorization),
        body=st.one_of(st.just(b""), st.binary(max_size=200), st.sampled_from(RAW_TEXTS[:2])),
        method=st.sampled_from(["POST", "POST", "GET", "PUT"]),
    )
    def one(name: str, auth: str | None, body: bytes, method: str) -> None:
        headers = [(b"Authorization", auth.encode("utf-8", "surrogatepass"))] if auth else []
        target = f"/webhooks/heartbeat/{quote(name, safe='', errors='surrogatepass')}"
        with caplog.at_level(logging.WARNING):
            answer = send(bot, method, target, headers, body)
        check(answer, f"{method} {target[:200]} auth={auth!r:.60}")
        if (method, name, auth) == ("POST", "nightly-backup", f"Bearer {HEARTBEAT_TOKEN}"):
            assert answer.status == 200, answer
        no_tracebacks(caplog)

    one()
