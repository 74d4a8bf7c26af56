"""Form bodies decode exactly as ``urllib.parse.parse_qsl`` decodes them, escapes in C or not."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.kernel.web.forms import TooManyFields, form_pairs

# What form bodies are made of, broken escapes and quoted-printable's own syntax included.
PIECES = st.sampled_from(["%", "%2", "%41", "%e2%82%ac", "%3D", "%zz", "=", "&", "+", "\r\n", "é"])
TEXT = st.lists(st.one_of(PIECES, st.text(max_size=4)), max_size=30).map("".join)


@given(TEXT)
def test_any_text_reads_as_parse_qsl_reads_it(text: str) -> None:
    assert form_pairs(text) == parse_qsl(text, keep_blank_values=True)


@given(st.lists(st.tuples(st.text(), st.text()), max_size=5))
def test_an_encoded_form_reads_back_as_it_was_sent(fields: list[tuple[str, str]]) -> None:
    assert form_pairs(urlencode(fields)) == [(n, v) for n, v in fields]


def test_an_interaction_payload_reads_back_whole() -> None:
    payload = {"type": "block_actions", "text": "50% of “checkout” = down & <@U1|bob>\n"}
    body = urlencode({"payload": json.dumps(payload)})
    assert json.loads(dict(form_pairs(body))["payload"]) == payload


def test_too_many_fields_are_refused_by_name() -> None:
    assert len(form_pairs("a=1&" * 199 + "a=1", max_fields=200)) == 200
    with pytest.raises(TooManyFields, match="more than 200 form fields"):
        form_pairs("a=1&" * 200 + "a=1", max_fields=200)
