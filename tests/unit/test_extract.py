"""extract_page's recall fallback: balanced mode's text unless recall mode's is clearly longer."""

from __future__ import annotations

import math

import pytest

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


TRAVEL = [
    "The ferry left Oban at seven, an hour late, with a deck full of sheep and two cyclists who had missed the "
    "earlier boat. By the time we reached Craignure the rain had settled in for the day.",
    "Mull is not an island that hurries. The single-track road to Fionnphort winds for thirty-five miles along "
    "lochs and over moorland, and every passing place is an invitation to stop and look.",
    "We stayed three nights in Tobermory, in a guesthouse above the harbour whose owner had lived on the island "
    "for forty years and still called the mainland 'across the water'.",
]
AFTERWORD = [
    "I wrote this piece in the spring of 2019, before the ferry timetable changed. The crossing from Oban now "
    "runs every two hours in summer, and the road to Fionnphort has new passing places.",
    "Some readers have asked where we stayed: the guesthouse has since closed, but the harbour still has a "
    "dozen rooms to let, and the island's tourist office keeps a list.",
]


def _page(body: str, title: str) -> str:
    return (
        f'<html lang="en"><head><title>{title}</title></head><body><header><a href="/">Slow Travel</a></header>'
        f'<main><article><h1>{title}</h1><p class="byline">By Ailsa Grant</p>{body}</article></main>'
        "<footer>© Slow Travel</footer></body></html>"
    )


@pytest.mark.parametrize("heading", ["<h3>A note from the author:</h3>", "<p><strong>A word from Ailsa</strong></p>"])
def test_an_afterword_heading_is_not_a_donation_appeal(heading: str) -> None:
    """A travel blog's "A note from the author:" heads more of the post, not an appeal: nothing after it
    asks for support, so it is not cut (the seed's "A Message from The Moscow Times:" still is)."""
    body = "".join(f"<p>{p}</p>" for p in TRAVEL) + heading + "".join(f"<p>{p}</p>" for p in AFTERWORD)
    text = extract_page(_page(body, "Three days on Mull"), url="https://slowtravel.example.net/2019/05/mull").text
    for paragraph in [*TRAVEL, *AFTERWORD]:
        assert paragraph in text, f"lost: {paragraph[:40]}"


def test_an_open_letter_keeps_its_salutation_and_body() -> None:
    """A column written as a letter to the readers, asking for nothing, is the article."""
    letter = [
        "After eleven years and some four hundred columns, this is my last one. I have been asked more than once "
        "what I will miss, and the honest answer is the post bag.",
        "Dear readers,",
        "You wrote to me about potholes and poetry, about your grandmothers' recipes and your neighbours' hedges. "
        "You corrected my Latin twice and my geography more often than I care to admit.",
        "Thank you for reading, for arguing and for the cake recipe from Mrs Dunbar of Tobermory, which I still make "
        "every Christmas.",
    ]
    body = "".join(f"<p>{p}</p>" for p in letter)
    text = extract_page(_page(body, "My last column"), url="https://slowtravel.example.net/2024/01/last").text
    assert text.split("\n\n") == letter


def test_reporting_about_a_newsletter_is_not_a_sign_up_box() -> None:
    """A sign-up box speaks of "our" newsletter; a story's "The newsletter is written by ..." is reporting."""
    story = [
        "A local news newsletter founded in a kitchen in Leith two years ago has passed 40,000 subscribers, its "
        "founders said on Tuesday, making it one of the largest independent titles in Scotland.",
        "The newsletter is written by two former Financial Times reporters and goes out every weekday at six in "
        "the morning, with a longer edition on Saturdays.",
        "Both founders said advertising now covers their salaries, and that they plan to hire a court reporter in "
        "the spring.",
    ]
    body = "".join(f"<p>{p}</p>" for p in story)
    text = extract_page(_page(body, "Leith newsletter passes 40,000 readers"), url="https://media.example.co.uk/a").text
    assert text.split("\n\n") == story
