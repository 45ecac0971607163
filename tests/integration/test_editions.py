"""Building editions from the stack, editors' decisions across rebuilds, and the edition's states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from digest.ingest.urls import article_id
from digest.local.motoserver import LocalAws
from digest.mail.service import dispatch
from digest.models import Action, Article, Decision, EditionStatus, Kind, Section, Source
from digest.settings import get_settings
from digest.store.articles import ArticleStore
from digest.store.aws import client
from digest.store.sources import SourceStore
from digest.stories.editing import EditError
from digest.stories.service import EditionError, build_edition, edit_edition, set_status
from digest.stories.window import edition_window

WEEK = "2026-W40"
LATER = ("2026-W41", "2026-W30")  # editions test_states_and_nothing_new_is_skipped builds after WEEK's
OUTLETS = {"Herald": 0.9, "Courier": 0.7, "Gazette": 0.6, "Post": 0.5}
EVENTS = {
    "tram": "Tram drivers in Port Ellery begin a 48-hour strike over pay, halting every line in the city",
    "budget": "City council approves a 1.8 billion crown budget after six-hour debate on the harbour levy",
    "storm": "Storm Maren brings 130 km/h gusts and flooding to the west coast; ferries cancelled",
    "museum": "Harbour Museum reopens after three-year renovation with a new maritime gallery",
}


def window() -> tuple[datetime, datetime]:
    settings = get_settings()
    _, start, end = edition_window(WEEK, timezone=settings.newsroom_timezone, send_day=settings.send_day,
                                   send_hour=settings.send_hour, now=datetime.now(UTC))  # fmt: skip
    return start, end


def article(event: str, outlet: str, hours: float, kind: Kind = Kind.news, suffix: str = "") -> Article:
    url = f"https://{outlet.lower()}.example.org/{event}{suffix}"
    start, _ = window()
    title = EVENTS[event].split(";")[0]
    return Article(id=article_id(url), url=url, title=f"{title} {suffix}".strip(), source=outlet,
                   text=f"{EVENTS[event]}{suffix}, {outlet} reports.",
                   published=start + timedelta(hours=hours), kind=kind)  # fmt: skip


@pytest.fixture(scope="module")
def articles(stack: LocalAws) -> list[Article]:
    """The week's sources and articles, stored once for the module."""
    settings = get_settings()
    for name, authority in OUTLETS.items():
        SourceStore(settings.sources_table).put(Source(id=name.lower(), name=name, feed_url=f"https://{name}.example.org/f",
                                                       authority=authority))  # fmt: skip
    store = ArticleStore(settings.articles_table, settings.articles_bucket)
    items = [article(event, outlet, 10 + 20 * n + i) for n, event in enumerate(EVENTS)
             for i, outlet in enumerate(OUTLETS) if not (event == "museum" and i > 0)]  # fmt: skip
    items.append(article("budget", "Gazette", 30, Kind.analysis, "-analysis"))
    start, _ = window()
    before = article("storm", "Post", 0, suffix="-early").model_copy(update={"published": start - timedelta(hours=3)})
    for item in [*items, before]:
        store.put(item)
    return items


@pytest.fixture
def week(articles: list[Article]) -> list[Article]:
    """A fresh draft of the week for each test: one test approves it, another pins and drops, and
    none may see what another left, whichever ran before it and on whichever worker."""
    settings = get_settings()
    for edition in (WEEK, *LATER):
        client("dynamodb").delete_item(TableName=settings.editions_table, Key={"id": {"S": edition}})
    build_edition(settings, WEEK)
    return articles


def test_build_clusters_and_leaves_out_the_window_edge(week: list[Article]) -> None:
    edition = build_edition(get_settings(), WEEK)
    stories = edition.stories()
    assert edition.status is EditionStatus.draft and edition.article_count == len(week)
    multi = [s for s in stories if s.outlets == len(OUTLETS)]
    assert len(multi) == 3  # tram, budget, storm: each once, with every outlet
    assert not any(a.endswith("-early") for s in stories for a in [s.lead.url, *(x.url for x in s.also)])
    analysis = next(s for s in edition.sections if s.key is Section.analysis).stories
    assert [s.lead.url for s in analysis] == ["https://gazette.example.org/budget-analysis"]
    museum = next(s for s in stories if "museum" in s.lead.url)
    assert museum.score < min(s.score for s in multi)  # one outlet ranks below multi-outlet stories


def test_editor_decisions_survive_a_rebuild(week: list[Article]) -> None:
    settings = get_settings()
    museum = next(a for a in week if "museum" in a.url)
    storm = next(a for a in week if "storm" in a.url)
    edit_edition(settings, WEEK, Decision(action=Action.pin, target=museum.id, section=Section.lead, who="ed"))
    edit_edition(settings, WEEK, Decision(action=Action.drop, target=storm.id, who="ed"))
    better = "The museum is back, and it is splendid."
    edition = edit_edition(settings, WEEK, Decision(action=Action.summary, target=museum.id, text=better, who="ed"))
    lead = edition.sections[0].stories
    assert lead[0].lead.id == museum.id and lead[0].pinned
    assert lead[0].summary == better
    assert not any(storm.id in s.article_ids for s in edition.stories())
    rebuilt = build_edition(settings, WEEK)
    assert rebuilt.sections[0].stories[0].lead.id == museum.id
    assert not any(storm.id in s.article_ids for s in rebuilt.stories())
    assert [h["who"] for h in rebuilt.history].count("ed") >= 3
    restored = edit_edition(settings, WEEK, Decision(action=Action.restore, target=storm.id, who="ed"))
    assert any(storm.id in s.article_ids for s in restored.stories())
    unpinned = edit_edition(settings, WEEK, Decision(action=Action.unpin, target=museum.id, who="ed"))
    assert unpinned.sections[0].stories[0].lead.id != museum.id


@pytest.mark.parametrize(
    ("decision", "message"),
    [
        (Decision(action=Action.pin, target="nope", section=Section.top, who="ed"), "no story or article"),
        (Decision(action=Action.pin, target="PLACEHOLDER", who="ed"), "needs a section"),
    ],
)
def test_invalid_edits_are_rejected(week: list[Article], decision: Decision, message: str) -> None:
    if decision.target == "PLACEHOLDER":
        decision = decision.model_copy(update={"target": week[0].id})
    with pytest.raises(EditError, match=message):
        edit_edition(get_settings(), WEEK, decision)


def test_states_and_nothing_new_is_skipped(week: list[Article]) -> None:
    settings = get_settings()
    with pytest.raises(EditionError, match="cannot become sent"):
        set_status(settings, WEEK, EditionStatus.sent, who="ed")
    set_status(settings, WEEK, EditionStatus.approved, who="ed")
    with pytest.raises(EditionError, match="cannot be rebuilt"):
        build_edition(settings, WEEK)
    with pytest.raises(EditError, match="only a draft"):
        edit_edition(settings, WEEK, Decision(action=Action.drop, target=week[0].id, who="ed"))
    # the next week brings nothing new: skipped, and dispatch sends nothing
    following = build_edition(settings, LATER[0])
    assert following.status is EditionStatus.skipped and following.new_articles == 0
    assert dispatch(settings, LATER[0]).queued == 0
    empty_week = build_edition(settings, LATER[1])
    assert empty_week.status is EditionStatus.skipped and empty_week.stories() == []
