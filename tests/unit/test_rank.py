"""Ranking one cluster into a story: each documented signal, with the score it must give.

The window is 7 days (604,800 s).  A story's score is
``coverage × (1 + 0.3 × burst × min(n − 1, 3) / 3) + 0.4 × recency (+ 10 when hand-picked)``,
coverage being the sum of each distinct outlet's authority (× 0.35 for a single outlet).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from digest.models import Article, Kind
from digest.stories.rank import choose_lead, make_story

START = datetime(2026, 11, 20, 7, tzinfo=UTC)
WINDOW = (START, START + timedelta(days=7))
AUTHORITY = {"Herald": 0.9, "Courier": 0.7, "Gazette": 0.6}
TITLE = "Harbour bridge closes for repairs"


def art(n: int, source: str, hours: float, *, title: str = TITLE, kind: Kind = Kind.news, text: str = "",
        image: str | None = None, picked: bool = False) -> Article:  # fmt: skip
    return Article(id=f"{n:024x}", url=f"https://{source.lower()}.example.org/{n}", title=title, source=source,
                   text=text, published=START + timedelta(hours=hours), kind=kind, image=image,
                   hand_picked=picked)  # fmt: skip


def test_three_outlets_within_the_burst_window() -> None:
    articles = [art(1, "Gazette", 84), art(2, "Herald", 86), art(3, "Courier", 90)]
    story = make_story(articles, AUTHORITY, WINDOW)
    # coverage 2.2; burst 1 (all within 12 h), 2/3 of its weight for 3 articles; recency 90 h of 168 h
    assert story.score == 2.8543
    assert story.lead.source == "Herald" and story.id == f"s-{2:024x}"[:18]
    assert [a.source for a in story.also] == ["Courier", "Gazette"]
    assert story.outlets == 3 and story.article_ids == [f"{2:024x}", f"{1:024x}", f"{3:024x}"]
    assert story.headline == TITLE and story.kind is Kind.news


@pytest.mark.parametrize(
    ("hours", "score"),
    [
        ((0,), 0.315),  # one outlet: 0.9 × 0.35, no burst weight for one article, recency 0
        ((0, 12), 0.3751),  # exactly 12 h apart is one burst: 0.315 × 1.1 + 0.4 × 12/168
        ((0, 12.001), 0.3593),  # just over: burst 1/2: 0.315 × 1.05 + 0.4 × 12.001/168
        ((0, 24), 0.3879),  # 0.315 × 1.05 + 0.4 × 24/168
    ],
)
def test_a_single_outlet_story_and_the_burst_edge(hours: tuple[float, ...], score: float) -> None:
    story = make_story([art(n, "Herald", h) for n, h in enumerate(hours)], AUTHORITY, WINDOW)
    assert story.score == score and story.outlets == 1 and story.also == []


def test_burst_counts_the_largest_group_within_twelve_hours() -> None:
    # two outlets; 4 articles: three within 12 h, one 100 h later: burst 3/4, weight min(3, 3)/3 = 1
    articles = [art(1, "Herald", 0), art(2, "Courier", 5), art(3, "Herald", 11), art(4, "Courier", 111)]
    story = make_story(articles, AUTHORITY, WINDOW)
    assert story.score == round(1.6 * (1 + 0.3 * 0.75) + 0.4 * 111 / 168, 4) == 2.2243


def test_the_burst_weight_stops_growing_at_four_articles() -> None:
    five = [art(n, src, n) for n, src in enumerate(["Herald", "Courier", "Gazette", "Herald", "Courier"])]
    four = five[:4]
    assert make_story(five, AUTHORITY, WINDOW).score == round(2.2 * 1.3 + 0.4 * 4 / 168, 4) == 2.8695
    assert make_story(four, AUTHORITY, WINDOW).score == round(2.2 * 1.3 + 0.4 * 3 / 168, 4) == 2.8671


def test_unknown_outlets_count_at_half_authority_and_each_outlet_once() -> None:
    articles = [art(1, "Nobody", 0), art(2, "Nobody", 1), art(3, "Herald", 2)]
    story = make_story(articles, AUTHORITY, WINDOW)
    assert story.score == round(1.4 * (1 + 0.3 * 2 / 3) + 0.4 * 2 / 168, 4) == 1.6848
    assert story.outlets == 2 and [a.source for a in story.also] == ["Nobody"]


@pytest.mark.parametrize(("latest", "recency"), [(-30, 0.0), (168, 1.0), (200, 1.0)])
def test_recency_is_clamped_to_the_window(latest: float, recency: float) -> None:
    story = make_story([art(1, "Herald", latest)], AUTHORITY, WINDOW)
    assert story.score == round(0.315 + 0.4 * recency, 4)


def test_a_hand_picked_article_lifts_its_story_and_leads_it() -> None:
    articles = [art(1, "Herald", 0), art(2, "Gazette", 0, picked=True)]
    story = make_story(articles, AUTHORITY, WINDOW)
    assert story.score == round(1.5 * 1.1 + 10, 4) == 11.65
    assert story.lead.source == "Gazette"


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        ((Kind.feature, Kind.news, Kind.news), Kind.feature),  # the lead's own kind when not news
        ((Kind.news, Kind.analysis, Kind.analysis), Kind.analysis),  # news lead, mostly analysis
        ((Kind.news, Kind.news, Kind.opinion, Kind.opinion), Kind.news),  # half news is news
        ((Kind.news, Kind.opinion, Kind.opinion, Kind.analysis), Kind.opinion),
    ],
)
def test_story_kind(kinds: tuple[Kind, ...], expected: Kind) -> None:
    sources = ["Herald", "Courier", "Gazette", "Courier"]
    articles = [art(n, sources[n], n, kind=k) for n, k in enumerate(kinds)]
    assert make_story(articles, AUTHORITY, WINDOW).kind is expected


def test_the_lead_weighs_authority_completeness_and_centrality() -> None:
    plain = art(1, "Herald", 0)  # 0.9 + 0 + 0.4 × 1
    full = art(2, "Courier", 0, text="x" * 2000, image="https://courier.example.org/p.jpg")  # 0.7 + 0.35 + 0.4
    assert choose_lead([plain, full], AUTHORITY).id == full.id
    longer = art(3, "Gazette", 0, text="x" * 9000)  # capped at 2000 characters: 0.6 + 0.2 + 0.4 < 1.3
    assert choose_lead([plain, longer], AUTHORITY).id == plain.id
    short = art(4, "Courier", 0, text="x" * 250, image="https://courier.example.org/q.jpg")  # 0.7+0.175+0.4
    assert choose_lead([plain, short], AUTHORITY).id == plain.id


@pytest.mark.parametrize(
    ("characters", "outlet_lead", "text_wins"),
    [
        (2000, 0.19995, True),  # a full text is worth 0.2 of authority ...
        (2000, 0.20005, False),
        (9000, 0.20005, False),  # ... however long it is
        (1000, 0.09995, True),  # and half a full text half as much
        (1000, 0.10005, False),
    ],
)
def test_a_full_text_is_worth_a_fifth_of_authority(characters: int, outlet_lead: float, text_wins: bool) -> None:
    """The text's share of completeness grows with its length up to 2,000 characters, where it is worth
    0.2: it wins the lead from a better outlet whose article has no text only if that outlet is less
    than 0.2 (for half the text, 0.1) ahead."""
    authority = {"Better": 0.5 + outlet_lead, "Worse": 0.5}
    bare, texty = art(1, "Better", 0), art(2, "Worse", 0, text="x" * characters)
    assert choose_lead([bare, texty], authority).id == (texty.id if text_wins else bare.id)


def test_a_news_lead_keeps_its_kind_when_half_the_story_is_news() -> None:
    """Half news is news even when the other half, of one kind, comes first in the story."""
    articles = [art(1, "Courier", 1, kind=Kind.opinion), art(2, "Gazette", 2, kind=Kind.opinion),
                art(3, "Herald", 3), art(4, "Courier", 4)]  # fmt: skip
    story = make_story(articles, AUTHORITY, WINDOW)
    assert story.lead.id == f"{3:024x}" and story.kind is Kind.news


def test_the_lead_is_the_article_closest_to_the_centre() -> None:
    common = "Harbour bridge closes for repairs"
    odd = art(1, "Herald", 0, title="Weather today sunny warm")  # shares no word: centrality 0
    centre = [art(2, "Gazette", 0, title=common), art(3, "Courier", 0, title=common), art(5, "Nobody", 0, title=common)]
    # Herald 0.9 + 0 < Courier 0.7 + 0.4 × 2/3: the three alike outvote authority
    assert choose_lead([odd, *centre], AUTHORITY).id == f"{3:024x}"
    assert choose_lead([art(4, "Herald", 0, title="a b")], AUTHORITY).id == f"{4:024x}"  # no words: 1.0


def test_a_tracking_pixel_is_not_a_picture() -> None:
    pixel = "data:image/gif;base64,R0lGODlhAQABAAAAACw="
    lead = make_story([art(1, "Herald", 0, image=pixel)], AUTHORITY, WINDOW).lead
    real = make_story([art(2, "Herald", 0, image="https://herald.example.org/photo.jpg")], AUTHORITY, WINDOW).lead
    assert real.image == "https://herald.example.org/photo.jpg"
    assert lead.image is None
    # a pixel does not count as the lead's picture either: completeness without it
    with_pixel = art(3, "Courier", 0, text="x" * 2000, image=pixel)  # 0.7 + 0.2 + 0.4 = 1.3
    assert choose_lead([art(4, "Herald", 0), with_pixel], AUTHORITY).id == f"{4:024x}"  # 0.9 + 0.4 = 1.3, id wins
