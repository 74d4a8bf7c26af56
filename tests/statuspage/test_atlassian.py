"""The Statuspage client against the local fake over real HTTP: create then update by the
incident's marker, nothing repeated on a retry, and each final refusal worded with its setting."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.kernel.http.policy import RetryPolicy
from bot.kernel.http.sender import GaveUp, HttpSender
from bot.statuspage.atlassian import Statuspage, StatuspageRefused, StatuspageTarget, Sync
from warroom_sandbox.providers.statuspage import FakeStatuspage

KEY, PAGE, COMPONENT = "sp-key", "page1", "cmp-1"


@pytest.fixture
def fake() -> Iterator[FakeStatuspage]:
    with FakeStatuspage(pages={PAGE: {COMPONENT}}, api_keys={KEY}) as server:
        yield server


@pytest.fixture
def sender() -> Iterator[HttpSender]:
    policy = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05, max_retry_after=0.1)
    with HttpSender(logging.getLogger("test"), policy=policy) as sending:
        yield sending


def client(
    fake: FakeStatuspage, sender: HttpSender, page: str = PAGE, key: str = KEY
) -> Statuspage:
    return Statuspage(sender, StatuspageTarget(f"{fake.url}/v1", page, key, {"api": COMPONENT}))


def change(body: str, state: str = "partial_outage", status: str = "investigating") -> Sync:
    return Sync(7, "Incident affecting api", status, body, {COMPONENT: state})


def test_create_then_update_and_a_repeat_adds_nothing(
    fake: FakeStatuspage, sender: HttpSender
) -> None:
    statuspage = client(fake, sender)
    made = statuspage.sync(change("Errors for some"))
    assert statuspage.sync(change("Errors for some")) == made  # a retry: found, not re-added
    statuspage.sync(change("Resolved", "operational", "resolved"))
    [incident] = fake.incidents()
    assert incident.name == "Incident affecting api (#7)"
    assert incident.updates == ["Errors for some", "Resolved"]
    assert incident.components == {COMPONENT: "operational"}
    assert incident.status == "resolved"


def test_429_is_retried_and_gives_up_when_it_lasts(
    fake: FakeStatuspage, sender: HttpSender
) -> None:
    fake.fail(1, status=429, retry_after=0.05)
    client(fake, sender).sync(change("Slow"))
    assert len(fake.incidents()) == 1
    fake.fail(3, status=429, retry_after=0.05)
    with pytest.raises(GaveUp):
        client(fake, sender).sync(change("Slower"))


@pytest.mark.parametrize(
    ("page", "key", "said"),
    [
        (PAGE, "wrong", "refused the API key (401): check STATUSPAGE_API_KEY"),
        ("nopage", KEY, "no page 'nopage' for this key (404): check STATUSPAGE_PAGE_ID"),
    ],
)
def test_a_wrong_key_or_page_is_final_and_named(
    fake: FakeStatuspage, sender: HttpSender, page: str, key: str, said: str
) -> None:
    with pytest.raises(StatuspageRefused, match=said.replace("(", r"\(").replace(")", r"\)")):
        client(fake, sender, page, key).sync(change("x"))
    assert fake.incidents() == []


def test_an_unknown_component_is_422_with_statuspages_words(
    fake: FakeStatuspage, sender: HttpSender
) -> None:
    statuspage = client(fake, sender)
    bad = Sync(8, "Incident affecting api", "investigating", "x", {"cmp-404": "major_outage"})
    with pytest.raises(StatuspageRefused) as refused:
        statuspage.sync(bad)
    assert "Component cmp-404 could not be found" in str(refused.value)
    assert "STATUSPAGE_COMPONENTS" in str(refused.value)
