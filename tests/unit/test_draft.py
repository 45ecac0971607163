"""The edition draft from plain articles: sections, quotas, diversity, summaries, editors' plans."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from digest.models import Action, Article, Decision, Kind, Section
from digest.stories.draft import QUOTAS, build_draft
from digest.stories.summary import summarise

START = datetime(2026, 11, 20, 7, tzinfo=UTC)
WINDOW = (START, START + timedelta(days=7))


def make(n: int, title: str, source: str, kind: Kind = Kind.news, text: str = "", hours: int = 5) -> Article:
    return Article(id=f"a{n:03d}", url=f"https://{source.lower()}.example.org/{n}", title=title, source=source,
                   text=text or f"{title}. More on this from {source}.", published=START + timedelta(hours=hours),
                   kind=kind)  # fmt: skip


def draft(articles: list[Article], decisions: list[Decision] | None = None):  # type: ignore[no-untyped-def]
    return build_draft(articles, edition_id="2026-W48", number=1, window=WINDOW, authority={"Big": 0.9},
                       decisions=decisions or [])  # fmt: skip


def test_empty_week() -> None:
    edition = draft([])
    assert edition.stories() == [] and [s.key for s in edition.sections] == list(QUOTAS)


def test_one_article() -> None:
    edition = draft([make(1, "Bridge closes for repairs", "Small")])
    assert [s.lead.id for s in edition.sections[0].stories] == ["a001"]


def test_identical_duplicates_are_one_story() -> None:
    twins = [make(n, "Mayor resigns after audit", src) for n, src in enumerate(["Big", "Small", "Other"])]
    stories = draft(twins).stories()
    assert len(stories) == 1 and stories[0].outlets == 3 and len(stories[0].also) == 2


def test_one_outlet_cannot_dominate_a_section() -> None:
    topics = ["harbour dredging", "school meals", "library hours", "bus timetable", "park lighting",
              "tax office", "river wall", "market stalls", "bike lanes", "waste depot"]  # fmt: skip
    articles = [make(n, f"Council votes on {t} plan", "Big") for n, t in enumerate(topics)]
    articles += [make(50 + n, f"Court rules on {t} dispute", f"Paper{n}") for n, t in enumerate(topics[:3])]
    top = next(s for s in draft(articles).sections if s.key is Section.top).stories
    assert sum(1 for s in top if s.lead.source == "Big") <= QUOTAS[Section.top] // 2


def test_summaries_are_whole_sentences() -> None:
    text = "The first sentence is here. " + "A much longer second sentence follows with detail. " * 20
    story = draft([make(1, "Long text story", "Big", text=text)]).stories()[0]
    assert story.summary.endswith((".", "…")) and len(story.summary) <= 320
    assert not story.summary.rstrip("…").endswith(" ")


# A lead page as extracted: the standfirst, then a body whose first sentence says it again.
STANDFIRST_PAGE = (
    "The Czech government has approved a 1.84 billion crown budget for repairs to Prague's Libeň bridge.\n\n"
    "The cabinet on Wednesday approved the budget of 1.84 billion crowns for the Libeň bridge repairs, "
    "Transport Minister Martin Kupka said. Work is due to start in March and the bridge will be closed to "
    "cars for two years, while trams keep running on one track. The bridge, built in 1928, is one of "
    "the longest concrete bridges in Prague."
)


def test_summary_does_not_repeat_the_standfirst() -> None:
    story = draft([make(1, "Libeň bridge repairs approved", "Big", text=STANDFIRST_PAGE)]).stories()[0]
    assert story.summary.count("1.84 billion") == 1
    assert story.summary.startswith("The Czech government has approved a 1.84 billion crown budget")
    assert "Work is due to start in March" in story.summary  # the next new sentence takes the room


def test_summary_keeps_sentences_that_only_share_a_few_words() -> None:
    text = (
        "Prague's Libeň bridge will close for two years of repairs. The bridge, built in 1928, is one of the "
        "longest concrete bridges in Prague. Repairs to bridges across Prague have been delayed for years."
    )
    assert summarise(text, limit=1000) == text
    figures = (
        "About 3% of children who ate peanut snacks before their first birthday developed a peanut allergy. "
        "Among children who avoided peanut snacks before their first birthday, 17% developed the allergy."
    )
    assert summarise(figures, limit=1000) == figures  # the same words around a new figure: news


def test_pins_and_drops_apply_to_the_plan() -> None:
    articles = [make(1, "Mayor resigns after audit", "Big"), make(2, "Mayor resigns after audit", "Small"),
                make(3, "Opinion: the audit was overdue", "Small", Kind.opinion),
                make(4, "New ferry route opens", "Small")]  # fmt: skip
    decisions = [Decision(action=Action.pin, target="a004", section=Section.lead, who="ed"),
                 Decision(action=Action.drop, target="a002", who="ed")]  # fmt: skip
    edition = draft(articles, decisions)
    assert edition.sections[0].stories[0].lead.id == "a004" and edition.sections[0].stories[0].pinned
    assert not any("a001" in s.article_ids for s in edition.stories())  # dropped via another article
    assert edition.decisions == decisions


def test_a_stored_tracker_image_never_illustrates_a_story() -> None:
    """Articles ingested before trackers were refused may still carry one."""
    pixel = make(1, "Bridge reopens", "Big").model_copy(
        update={"image": "http://feeds.feedburner.com/~r/ExampleBlog/~4/NnQEuqRSyug"}
    )
    photo = make(2, "Bridge reopens", "Small").model_copy(update={"image": "https://small.example.org/b.jpg"})
    (story,) = draft([pixel, photo]).stories()
    assert story.lead.id == "a001" and story.lead.image is None
    assert [a.image for a in story.also] == ["https://small.example.org/b.jpg"]
