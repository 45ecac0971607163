"""extract_page's recall fallback: balanced mode's text unless recall mode's is clearly longer."""

from __future__ import annotations

import math

from digest.ingest.extract import RECALL_FALLBACK_RATIO, choose_text, extract_page

ESSAY = [
    "In December 2002, I tried to install some software on my computer. The experience was, shall we say, "
    "less than pleasant. On many levels. I wrote about my experience at length, in the hope that it would "
    "help others.",
    "This time I wanted to play a video file on Linux. Nothing fancy, just a film a friend had sent me, and I "
    "gave myself one evening to get it working.",
    "The package manager found the player at once, but the player found no codec. The codec was in another "
    "repository, which the documentation mentioned only in a footnote.",
    "By midnight the video played, without sound. The sound took another evening, and a kind stranger on a "
    "mailing list.",
]
ASIDES = [
    "Really my eventual goal is to be able to create video on Linux, but I figured I'd start small and see "
    "if I could get playback working first.",
    "I had no idea which of the four players the forums recommended was still maintained.",
    "Every guide I found assumed a different version of the distribution than mine.",
]


def _table_laid_out_essay() -> str:
    """A personal site laid out in a table, as extraction-dev's table-style-attributes: navigation in one
    cell, the essay with a list in the other."""
    cell = (
        "".join(f"<p>{p}</p>" for p in ESSAY[:2])
        + "<ul>" + "".join(f"<li>{a}</li>" for a in ASIDES) + "</ul>"
        + "".join(f"<p>{p}</p>" for p in ESSAY[2:])
    )  # fmt: skip
    return (
        "<html><head><title>Linux video playback, or: how I spent my week</title></head>"
        '<body bgcolor="#ffffff"><table width="100%" border="0" cellpadding="8"><tr>'
        '<td width="150" valign="top"><a href="/">Home</a><br><a href="/essays/">Essays</a><br>'
        '<a href="/contact">Contact</a></td>'
        f'<td valign="top"><h1>Linux video playback, or: how I spent my week</h1>{cell}</td></tr></table>'
        "<p><small>Copyright 2003 Mark Pilgrim</small></p></body></html>"
    )


def test_a_list_inside_a_table_laid_out_page_is_kept() -> None:
    """Balanced mode leaves out lists inside table cells, so the essay lost its list; recall mode keeps them."""
    page, url = _table_laid_out_essay(), "http://diveintomark.example.org/essays/video"
    balanced = extract_page(page, url=url, recall_ratio=math.inf).text
    assert all(p in balanced for p in ESSAY) and not any(a in balanced for a in ASIDES)  # what used to be lost
    text = extract_page(page, url=url).text
    for line in [*ESSAY, *ASIDES]:
        assert line in text, f"lost: {line[:40]}"


def test_choose_text() -> None:
    """Recall mode's text only when balanced mode found nothing or recall mode's is longer than the ratio."""
    balanced = "x" * 100
    assert choose_text(balanced, "y" * 100) == balanced  # the same length: balanced mode's
    assert choose_text(balanced, "y" * 40) == balanced  # recall mode lost text: never taken
    assert choose_text(balanced, "y" * 102, 1.02) == balanced
    assert choose_text(balanced, "y" * 103, 1.02) == "y" * 103
    assert choose_text("", "y") == "y"
    assert choose_text(balanced, "y" * 1000, math.inf) == balanced
    assert choose_text("", "y", math.inf) == "y"  # an empty balanced text always falls back
    assert 1.0 <= RECALL_FALLBACK_RATIO < 1.5
