import pytest

from bot.incidents.domain.call_link import BadCallTemplate, CallLink


def test_placeholders_are_filled_and_made_safe_for_a_url() -> None:
    link = CallLink.parse("https://zoom.example/j/{number}?room={slug}&c={channel}")
    assert link.url(7, "inc-7-db-down", "DB down") == (
        "https://zoom.example/j/7?room=db-down&c=inc-7-db-down"
    )


def test_an_emoji_title_and_a_missing_channel_fall_back_to_the_number() -> None:
    link = CallLink.parse("https://meet.jit.si/{channel}/{slug}")
    assert link.url(3, None, "🔥🔥") == "https://meet.jit.si/inc-3/inc-3"


def test_literal_braces_are_written_doubled() -> None:
    assert CallLink.parse("https://x.example/{{r}}/{number}").url(1, None, "a") == (
        "https://x.example/{r}/1"
    )


@pytest.mark.parametrize("template", ["https://x/{id}", "https://x/{number", "x/{number}"])
def test_a_bad_template_names_the_setting(template: str) -> None:
    with pytest.raises(BadCallTemplate, match="INCIDENT_CALL_URL_TEMPLATE"):
        CallLink.parse(template)
