"""The edition draft: stories placed into the newsletter's sections, with quotas and diversity."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime

from digest.models import SECTION_TITLES, Article, Decision, Edition, EditionSection, Kind, Section, Story
from digest.stories.editing import Plan, insert_pins, pins_from_articles
from digest.stories.rank import make_story

QUOTAS: dict[Section, int] = {
    Section.lead: 1,
    Section.top: 6,
    Section.features: 3,
    Section.analysis: 4,
    Section.more: 8,
}
# Share of a section's slots that stories led by one outlet may take (diversity).
MAX_OUTLET_SHARE = 0.5

_SECTION_OF_KIND = {
    Kind.news: Section.top,
    Kind.other: Section.top,
    Kind.feature: Section.features,
    Kind.analysis: Section.analysis,
    Kind.opinion: Section.analysis,
}


def group_stories(
    articles: Sequence[Article], authority: Mapping[str, float], window: tuple[datetime, datetime]
) -> list[Story]:
    """Cluster the week's articles and rank the resulting stories, most important first.

    A feature, analysis or opinion piece about a news event clusters with that event's reports, but
    it is a piece of its own that readers look for in its own section: it is split off the news
    story and stands alone there.
    """
    # numpy/scipy load here, not at import: the API and send functions import this module's callers
    from digest.stories.cluster import ClusterItem, cluster

    items = [
        ClusterItem(id=a.id, title=a.title, text=a.text or a.summary, published=a.published, source=a.source)
        for a in articles
    ]
    groups: dict[int, list[Article]] = defaultdict(list)
    for article, label in zip(articles, cluster(items), strict=True):
        groups[label].append(article)
    stories: list[Story] = []
    for group in groups.values():
        reports = [a for a in group if _SECTION_OF_KIND[a.kind] is Section.top]
        if reports:
            stories.append(make_story(reports, authority, window))
        # by kind, not `a not in reports`: list membership compares pydantic models field by field,
        # quadratic in the story's size (seconds for a story of thousands of articles)
        stories.extend(make_story([a], authority, window) for a in group if _SECTION_OF_KIND[a.kind] is not Section.top)
    return sorted(stories, key=lambda s: (-s.score, s.id))


def _fill(candidates: list[Story], quota: int) -> list[Story]:
    """Take up to ``quota`` stories in rank order, keeping any one outlet to its share of the slots.

    A story whose lead outlet has used its share is led by its next outlet instead, so diversity
    never pushes an important story out; only a story no other outlet covered waits its turn.
    """
    limit = max(1, int(quota * MAX_OUTLET_SHARE))
    chosen: list[Story] = []
    per_outlet: Counter[str] = Counter()
    for story in candidates:
        if len(chosen) == quota:
            break
        if per_outlet[story.lead.source] >= limit:
            other = next((a for a in story.also if per_outlet[a.source] < limit), None)
            if other is None:
                continue
            rest = [a for a in story.also if a is not other]
            story = story.model_copy(update={"lead": other, "headline": other.title, "also": [story.lead, *rest]})
        chosen.append(story)
        per_outlet[story.lead.source] += 1
    return chosen


def place(stories: Sequence[Story], plan: Plan | None = None) -> list[EditionSection]:
    """Fill the sections in order: the lead is the best multi-outlet news story; leftovers become briefs.

    Editors' pins take their slots first (the ranking fills what is left of each quota); dropped
    stories are left out and the next ones move up.
    """
    plan = plan or Plan(stories, [])
    pins = {key: plan.pinned(stories, key) for key in QUOTAS}
    quota = {key: max(QUOTAS[key] - len(pins[key]), 0) for key in QUOTAS}
    remaining = plan.free(stories)
    sections: dict[Section, list[Story]] = {}
    news = [s for s in remaining if _SECTION_OF_KIND[s.kind] is Section.top]
    lead = next((s for s in news if s.outlets > 1), news[0] if news else None)
    sections[Section.lead] = [lead] if lead and quota[Section.lead] else []
    remaining = [s for s in remaining if s not in sections[Section.lead]]
    for key in (Section.top, Section.features, Section.analysis):
        wanted = [s for s in remaining if _SECTION_OF_KIND[s.kind] is key]
        sections[key] = _fill(wanted, quota[key])
        taken = {s.id for s in sections[key]}
        remaining = [s for s in remaining if s.id not in taken]
    sections[Section.more] = _fill(remaining, quota[Section.more])
    return [
        EditionSection(
            key=key,
            title=SECTION_TITLES[key],
            stories=[plan.with_summary(s) for s in insert_pins(sections[key], pins[key])],
        )
        for key in QUOTAS
    ]


def build_draft(
    articles: Sequence[Article],
    *,
    edition_id: str,
    number: int,
    window: tuple[datetime, datetime],
    authority: Mapping[str, float],
    decisions: Sequence[Decision] = (),
) -> Edition:
    """The edition draft; ``decisions`` (editors' and hand-picked pins) are applied after ranking."""
    stories = group_stories(articles, authority, window)
    plan = Plan(stories, [*pins_from_articles(articles), *decisions])
    return Edition(
        id=edition_id,
        number=number,
        window_start=window[0],
        window_end=window[1],
        sections=place(stories, plan),
        article_count=len(articles),
        decisions=list(decisions),
    )
