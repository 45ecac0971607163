"""Turning clusters of articles into ranked stories.

Importance signals, in the order they weigh:
1. coverage: the authority-weighted number of distinct outlets (each outlet counts once, at its
   authority); a story only one outlet covered is multiplied by ``SINGLE_OUTLET_FACTOR``;
2. burst: how many of its articles came within ``BURST_HOURS`` of each other (fast pick-up means news);
3. recency: stories whose latest article is nearer the end of the window get up to ``RECENCY_WEIGHT``;
4. editors: a hand-picked article lifts its story by ``HAND_PICKED_BONUS`` (above any unpicked story);
5. kind: news ranks as is; features, analysis and opinion have their own sections and are ranked there.

The lead article is the one with the best mix of outlet authority, completeness (image, full text)
and closeness to the story's centre (share of the story's title words it uses).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from digest.ingest.images import is_tracker
from digest.models import Article, Kind, Story, StoryArticle
from digest.stories.summary import summarise

SINGLE_OUTLET_FACTOR = 0.35
BURST_HOURS = 12
BURST_WEIGHT = 0.3
RECENCY_WEIGHT = 0.4
HAND_PICKED_BONUS = 10.0
DEFAULT_AUTHORITY = 0.5

_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def _centrality(article: Article, vocabulary: Counter[str], size: int) -> float:
    words = _words(article.title)
    if not words or size < 2:
        return 1.0
    return sum(vocabulary[w] - 1 for w in words) / (len(words) * (size - 1))


def choose_lead(articles: Sequence[Article], authority: Mapping[str, float]) -> Article:
    """The article that should stand for the story."""
    vocabulary: Counter[str] = Counter(w for a in articles for w in _words(a.title))

    def merit(article: Article) -> tuple[float, str]:
        completeness = (0.15 if _picture(article) else 0.0) + min(len(article.text), 2000) / 2000 * 0.2
        value = (
            authority.get(article.source, DEFAULT_AUTHORITY)
            + completeness
            + 0.4 * _centrality(article, vocabulary, len(articles))
            + (1.0 if article.hand_picked else 0.0)
        )
        return value, article.id

    return max(articles, key=merit)


def _burst(articles: Sequence[Article]) -> float:
    """Largest share of the story's articles published within BURST_HOURS of one another."""
    times = sorted(a.published for a in articles)
    best, start = 1, 0
    for end in range(len(times)):
        while times[end] - times[start] > timedelta(hours=BURST_HOURS):
            start += 1
        best = max(best, end - start + 1)
    return best / len(times)


def _as_story_article(article: Article) -> StoryArticle:
    return StoryArticle(
        id=article.id,
        url=article.url,
        title=article.title,
        source=article.source,
        published=article.published,
        image=_picture(article),
    )


def _picture(article: Article) -> str | None:
    """The article's image, unless it is a tracker (articles stored before ingest refused them)."""
    return None if is_tracker(article.image) else article.image


def make_story(
    articles: Sequence[Article],
    authority: Mapping[str, float],
    window: tuple[datetime, datetime],
) -> Story:
    """Score one cluster and pick its lead article."""
    lead = choose_lead(articles, authority)
    per_outlet: dict[str, float] = defaultdict(float)
    for article in articles:
        per_outlet[article.source] = authority.get(article.source, DEFAULT_AUTHORITY)
    coverage = sum(per_outlet.values())
    if len(per_outlet) == 1:
        coverage *= SINGLE_OUTLET_FACTOR
    start, end = window
    latest = max(a.published for a in articles)
    span = max((end - start).total_seconds(), 1.0)
    recency = max(0.0, min(1.0, (latest - start).total_seconds() / span))
    score = coverage * (1 + BURST_WEIGHT * _burst(articles) * min(len(articles) - 1, 3) / 3)
    score += RECENCY_WEIGHT * recency
    if any(a.hand_picked for a in articles):
        score += HAND_PICKED_BONUS
    kinds = Counter(a.kind for a in articles)
    kind = lead.kind if lead.kind != Kind.news or kinds[Kind.news] * 2 >= len(articles) else kinds.most_common(1)[0][0]
    others: dict[str, Article] = {}
    for article in sorted(articles, key=lambda a: (-authority.get(a.source, DEFAULT_AUTHORITY), a.published)):
        if article.source != lead.source and article.source not in others:
            others[article.source] = article
    return Story(
        id=f"s-{lead.id[:16]}",
        headline=lead.title,
        summary=summarise(lead.text, lead.summary),
        kind=kind,
        score=round(score, 4),
        lead=_as_story_article(lead),
        also=[_as_story_article(a) for a in others.values()],
        outlets=len(per_outlet),
        article_ids=[lead.id, *(a.id for a in articles if a.id != lead.id)],
    )
