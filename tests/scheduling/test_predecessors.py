"""The predecessor text parser (``scheduling/predecessors.py``): pure, no database."""

import pytest

from scheduling.predecessors import PredecessorError, PredecessorLink, format_links, parse

L = PredecessorLink


@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("3FS+2d, 5SS, 7, 9FF-1d", [L(3, "FS", 2), L(5, "SS", 0), L(7, "FS", 0), L(9, "FF", -1)]),
        ("", []),
        ("  ", []),
        ("7", [L(7)]),
        ("4sf", [L(4, "SF", 0)]),
        ("3 FS + 2 days; 5ss-1 day", [L(3, "FS", 2), L(5, "SS", -1)]),
        ("#12FS+3", [L(12, "FS", 3)]),
        ("7+2d", [L(7, "FS", 2)]),
        ("3FS+0d", [L(3, "FS", 0)]),
        ("3,,5,", [L(3), L(5)]),
    ],
)
def test_parse_reads_worked_examples(text, links):
    """MS Project's notation: number, type (FS when left out), lag in working days."""
    assert parse(text) == links


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("3XX", "“3XX” is not a link: use FS, SS, FF or SF."),
        ("design", "“design” is not a link: start with the task's number, e.g. 3FS+2d."),
        ("3FS2d", "“3FS2d” is not a link: write number, type and lag, e.g. 3FS+2d or 5SS."),
        ("3FS+2w", "“3FS+2w”: lags are in working days; write it in days, e.g. 3FS+2d."),
        ("3FS+50%", "“3FS+50%”: lags are in working days"),
        ("0SS", "“0SS”: 0 is not a task number."),
        ("1234567890", "is not a task number."),
        ("3FS+20000d", "“3FS+20000d”: a lag is at most 10000 working days."),
        ("3, 5SS, 3FF", "Task 3 is named twice: a task links to another once."),
    ],
)
def test_parse_refuses_what_is_not_a_link_with_a_clear_message(text, message):
    """Each bad item is named with what to write instead."""
    with pytest.raises(PredecessorError) as caught:
        parse(text)
    assert message in str(caught.value)


def test_parse_lists_every_bad_item_at_once():
    """Two bad items give two messages, so the person fixes both in one go."""
    with pytest.raises(PredecessorError) as caught:
        parse("3XX, 4, x5")
    assert len(caught.value.messages) == 2


def test_format_links_writes_what_parse_reads_in_task_order():
    """FS without lag is the bare number; the text is ordered by task number and reads back."""
    links = [L(9, "FF", -1), L(3, "FS", 2), L(7), L(5, "SS", 0)]
    text = format_links(links)
    assert text == "3FS+2d, 5SS, 7, 9FF-1d"
    assert sorted(parse(text), key=lambda link: link.ref) == sorted(links, key=lambda k: k.ref)
