"""The renderer's quality gates: what a reader's mail client and browser receive.

Editions are built in code (several sections, a dozen-plus stories, one of them hostile) and the
rendered HTML, plain text, archive page, index and feed are checked for size, accessibility,
safety and the placeholders the mail composer fills in.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markupsafe import escape
from pydantic import AnyUrl, HttpUrl

from digest.models import SECTION_TITLES, Edition, EditionSection, Kind, Section, Story, StoryArticle
from digest.render.edition import (
    MAX_HTML_BYTES,
    PREFERENCES_URL,
    READER_NAME,
    UNSUBSCRIBE_URL,
    ArchiveEntry,
    Branding,
    EditionTooLarge,
    RenderedEdition,
    clean_text,
    environment,
    mjml_to_html,
    render_archive_feed,
    render_archive_index,
    render_edition,
    safe_url,
    tracking_params,
    with_query,
)
from digest.settings import Settings

LAYOUTS = Path(__file__).resolve().parents[2] / "layouts"
VIEW_ONLINE = "http://127.0.0.1:8000/archive/2026-W48.html"
SUBSCRIBE = "http://127.0.0.1:3000/subscribe"
TZ = "Europe/London"
PUBLISHED = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)

LONG_TITLE = " ".join(["Interminable"] * 385)[:5000]  # 5,000 characters of words
ARABIC = "مفاوضات وقف إطلاق النار تدخل يومها الثالث في القاهرة"
HEBREW = "ניתוח היסטורי של המגעים בין הצדדים לאורך שלושה עשורים."
EMOJI = "The last ferryman of the Volga 🚣‍♂️🌊"


def article(key: str, source: str, *, url: str | None = None, image: str | None = None) -> StoryArticle:
    slug = re.sub(r"[^a-z]", "", source.lower()) or "outlet"
    return StoryArticle(
        id=f"a-{key}",
        url=url or f"https://{slug}.example.com/2026/11/{key}",
        title=f"Article {key}",
        source=source,
        published=PUBLISHED,
        image=image,
    )


def story(
    key: str,
    headline: str,
    summary: str = "",
    *,
    kind: Kind = Kind.news,
    source: str = "Reuters",
    also: tuple[str, ...] = ("BBC News", "The Guardian"),
    url: str | None = None,
    image: str | None = None,
) -> Story:
    return Story(
        id=key,
        headline=headline,
        summary=summary,
        kind=kind,
        score=0.5,
        lead=article(key, source, url=url, image=image),
        also=[article(f"{key}-{i}", name) for i, name in enumerate(also)],
        outlets=1 + len(also),
    )


def hostile_story() -> Story:
    return Story(
        id="hostile",
        headline='<script>alert(1)</script> Breaking <b>news</b> & "quotes"\nwith a line break',
        summary='<img src=x onerror="alert(1)"> A summary <a href="https://evil.example.com/">click</a>.',
        kind=Kind.news,
        score=0.9,
        lead=StoryArticle(
            id="a-hostile",
            url="javascript:alert(1)",
            title="x",
            source='"><svg onload=alert(1)>',
            published=PUBLISHED,
            image="javascript:alert(2)",
        ),
        also=[
            StoryArticle(
                id="a-h1",
                url="data:text/html,<script>alert(1)</script>",
                title="x",
                source="Data Outlet",
                published=PUBLISHED,
            ),
            StoryArticle(id="a-h2", url=" JaVaScRiPt:alert(1)", title="x", source="Sneaky Outlet", published=PUBLISHED),
            StoryArticle(
                id="a-h3",
                url="https://fine.example.com/story?a=1&b=<2>",
                title="x",
                source="Fine Outlet",
                published=PUBLISHED,
            ),
        ],
        outlets=4,
    )


def make_edition(*, briefs: int = 6, empty_features: bool = False) -> Edition:
    lead = story(
        "lead",
        "Putin hails ties with Iran in meeting with Raisi",
        "Russian President Vladimir Putin on Thursday praised his country's relations with Iran at a "
        "meeting with Ebrahim Raisi. Since launching its assault on Ukraine, Moscow has sought to "
        "deepen its economic and political ties with Tehran.",
        source="The Moscow Times",
        also=("Reuters", "Al Jazeera", "BBC News", "Le Monde", "Der Spiegel", "AP", "NPR"),
        image="https://images.example.com/lead.jpg",
    )
    top = [
        story(
            "top-1",
            "EU leaders agree new sanctions package after marathon talks",
            "The 27 member states settled on a twelfth round of measures. Hungary dropped its objection.",
            source="Politico Europe",
        ),
        story(
            "top-2",
            "Central bank holds rates but signals cuts next spring",
            "Policymakers voted 6-3 to keep the benchmark rate at 5.25%.",
            source="Financial Times",
        ),
        hostile_story(),
        story("top-arabic", ARABIC, "قال مسؤولون إن المحادثات أحرزت تقدماً.", source="الجزيرة"),
        story("top-long", LONG_TITLE, "A story whose title never ends.", source="Verbose Times"),
    ]
    features = [
        story(
            "feat-1",
            EMOJI,
            "For forty years Ivan has carried villagers across the river 🛶.",
            kind=Kind.feature,
            source="The Moscow Times 📰",
        ),
        story("feat-hebrew", "שיחות השלום: מה השתנה מאז 1993", HEBREW, kind=Kind.feature, source="Haaretz"),
    ]
    analysis = [
        story(
            "an-1",
            "Why the sanctions are finally starting to bite",
            "Three data points say so.",
            kind=Kind.analysis,
            source="The Economist",
        ),
        story(
            "an-2",
            "Europe cannot keep outsourcing its security",
            "Time to deliver.",
            kind=Kind.opinion,
            source="Le Monde",
        ),
    ]
    more = [
        story(
            f"more-{i:03d}",
            f"Brief number {i}: parliament approves a law after a heated debate",
            source="El País",
            also=(),
            url=f"https://elpais.example.com/2026/11/brief-{i:03d}-" + "x" * 60,
        )
        for i in range(briefs)
    ]
    sections = [
        (Section.lead, [lead]),
        (Section.top, top),
        (Section.features, [] if empty_features else features),
        (Section.analysis, analysis),
        (Section.more, more),
    ]
    return Edition(
        id="2026-W48",
        number=48,
        window_start=datetime(2026, 11, 20, 7, tzinfo=UTC),
        window_end=datetime(2026, 11, 27, 7, tzinfo=UTC),
        sections=[EditionSection(key=key, title=SECTION_TITLES[key], stories=items) for key, items in sections],
        article_count=412,
    )


@pytest.fixture(scope="module")
def branding() -> Branding:
    return Branding.from_settings(Settings())


def render(edition: Edition, branding: Branding, **kwargs: object) -> RenderedEdition:
    return render_edition(
        edition,
        branding,
        layouts_dir=LAYOUTS,
        timezone=TZ,
        view_online_url=VIEW_ONLINE,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def email(branding: Branding) -> RenderedEdition:
    return render(make_edition(), branding)


@pytest.fixture(scope="module")
def web(branding: Branding) -> RenderedEdition:
    return render(make_edition(), branding, web=True, subscribe_url=SUBSCRIBE)


class Tags(HTMLParser):
    """Every start tag with its attributes (comments, i.e. Outlook-only markup, are skipped)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def all(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.tags if tag == name]

    def values(self, attr: str) -> list[str]:
        return [v for _, attrs in self.tags for k, v in attrs.items() if k == attr and v is not None]


def story_urls(edition: Edition) -> list[str]:
    """Each story's own link (the lead article), where it is a link at all."""
    return [item.lead.url for item in edition.stories() if safe_url(item.lead.url)]


# -- the email HTML ---------------------------------------------------------------------------------


def test_html_within_size_budget(email: RenderedEdition) -> None:
    assert email.html_bytes <= MAX_HTML_BYTES
    assert email.dropped == []


def test_every_image_has_alt(branding: Branding) -> None:
    logo = replace(branding, logo_url="https://cdn.example.com/logo.png")
    for html in (render(make_edition(), branding).html, render(make_edition(), logo).html):
        images = Tags(html).all("img")
        assert images, "the lead story's picture should be there"
        assert all((img.get("alt") or "").strip() for img in images)
    assert any(img.get("alt") == branding.name for img in Tags(render(make_edition(), logo).html).all("img"))


def test_document_has_lang_title_and_color_scheme(email: RenderedEdition) -> None:
    tags = Tags(email.html)
    assert tags.all("html")[0].get("lang") == "en"
    metas = {m.get("name"): m.get("content") for m in tags.all("meta")}
    assert metas.get("color-scheme") == "light dark"
    assert "supported-color-schemes" in metas
    assert f"<title>{email.subject}</title>".replace("'", "&#39;") in email.html


def test_no_line_breaks_in_attributes(email: RenderedEdition, web: RenderedEdition) -> None:
    for html in (email.html, web.html):
        for _, attrs in Tags(html).tags:
            for name, value in attrs.items():
                assert "\n" not in (value or "") and "\\n" not in (value or ""), (name, value)


def test_no_scripts_handlers_or_external_css(email: RenderedEdition, web: RenderedEdition) -> None:
    for html in (email.html, web.html):
        assert "<script" not in html.lower()
        assert "javascript:" not in html.lower()
        assert not re.search(r"<link[^>]+rel=[\"']?stylesheet", html, re.I)
        for tag, attrs in Tags(html).tags:
            assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
            assert not [v for v in attrs.values() if "javascript:" in (v or "").lower().replace(" ", "")]


def test_links_are_absolute_http_or_placeholders(email: RenderedEdition) -> None:
    hrefs = Tags(email.html).values("href")
    assert hrefs
    for href in hrefs:
        assert href.startswith(("https://", "http://", "mailto:")) or href in (UNSUBSCRIBE_URL, PREFERENCES_URL), href
    for src in Tags(email.html).values("src"):
        assert src.startswith(("https://", "http://")), src


def test_email_carries_placeholders_and_view_online_link(email: RenderedEdition) -> None:
    hrefs = Tags(email.html).values("href")
    assert UNSUBSCRIBE_URL in hrefs
    assert PREFERENCES_URL in hrefs
    assert VIEW_ONLINE in hrefs
    assert READER_NAME in email.html
    assert "Unsubscribe" in email.html and "Manage preferences" in email.html
    assert "You receive this because you subscribed to The Friday Digest" in email.html
    assert "every Friday" in email.html
    assert "1 Example Street" in email.html
    assert "https://example.org/privacy" in hrefs


def test_masthead_date_number_and_sections(email: RenderedEdition) -> None:
    html = email.html
    assert "Friday 27 November 2026" in html
    assert "No. 48" in html
    for title in SECTION_TITLES.values():
        assert title.replace("&", "&amp;") in html
    # sections appear in reading order
    positions = [html.index(t.replace("&", "&amp;")) for t in SECTION_TITLES.values()]
    assert positions == sorted(positions)
    assert "Also covered by:" in html
    assert "and 2 more" in html  # 7 outlets covered the lead, 5 are listed


def test_support_block(email: RenderedEdition) -> None:
    html = email.html
    assert "A message from The Friday Digest" in html
    hrefs = Tags(html).values("href")
    campaign = "utm_source=friday-digest&utm_medium=email&utm_campaign=2026-W48&utm_content=support"
    for period in ("once", "monthly", "annual"):
        assert f"https://example.org/support?period={period}&{campaign}" in hrefs
    for label in (">Once<", ">Monthly<", ">Annual<"):
        assert label in html


def test_story_and_support_links_carry_the_campaign_and_nothing_else_does(email: RenderedEdition) -> None:
    hrefs = Tags(email.html).values("href")
    outlets = [h for h in hrefs if ".example.com/" in h]
    assert outlets and all("utm_campaign=2026-W48" in h and "utm_medium=email" in h for h in outlets)
    assert any(h.endswith("utm_content=lead") for h in outlets) and any(h.endswith("utm_content=top") for h in outlets)
    fine_print = [h for h in hrefs if h in (VIEW_ONLINE, UNSUBSCRIBE_URL, PREFERENCES_URL) or "privacy" in h]
    assert len(fine_print) >= 4 and not any("utm_" in h for h in fine_print)
    assert "utm_campaign=2026-W48" in email.text  # the plain text's links are the same links


def test_web_archive_and_an_empty_template_add_no_tracking(web: RenderedEdition) -> None:
    assert "utm_" not in web.html
    plain = render(make_edition(), Branding.from_settings(Settings(), link_tracking=""))
    assert "utm_" not in plain.html and "utm_" not in plain.text


def test_tracking_keeps_the_publishers_query_and_replaces_same_named_parameters() -> None:
    tracking = tracking_params("utm_source=fd&utm_campaign={edition}&ref={section}", edition="2026-W48", section="news")
    assert tracking == {"utm_source": "fd", "utm_campaign": "2026-W48", "ref": "news"}
    url = "https://x.example.com/a?id=7&amp;flag&utm_source=old&q=a%2Fb+c#top"
    assert with_query(url, **tracking) == (
        "https://x.example.com/a?id=7&amp;flag&q=a%2Fb+c&utm_source=fd&utm_campaign=2026-W48&ref=news#top"
    )
    assert (
        with_query("https://x.example.com/", **{"utm_campaign": "a b&c"})
        == "https://x.example.com/?utm_campaign=a+b%26c"
    )
    # no parameters (LINK_TRACKING empty): the link as the outlet published it, byte for byte
    assert with_query("https://x.example.com/a?b=%2F#c") == "https://x.example.com/a?b=%2F#c"
    # {edition}-style placeholders are replaced, never formatted: braces elsewhere stay as they are
    assert tracking_params("x={0}&y={edition.__class__}", edition="E", section="S") == {
        "x": "{0}",
        "y": "{edition.__class__}",
    }


@pytest.mark.parametrize("template", ["utm_source", "a=b&&c", "=x"])
def test_settings_refuse_a_tracking_template_that_is_not_a_query(template: str) -> None:
    with pytest.raises(ValueError, match="link_tracking"):
        Settings(link_tracking=template)


def test_hostile_content_is_escaped_and_defanged(email: RenderedEdition) -> None:
    html = email.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Breaking &lt;b&gt;news&lt;/b&gt;" in html
    assert "&lt;img src=x onerror=" in html  # shown as text, never as markup
    assert "&#34;&gt;&lt;svg onload=alert(1)&gt;" in html or "&quot;&gt;&lt;svg onload=alert(1)&gt;" in html
    hrefs = Tags(html).values("href")
    assert not [h for h in hrefs if h.lower().lstrip().startswith(("javascript", "data:"))]
    # a real link survives, escaped, its query kept as published
    assert any(h.startswith("https://fine.example.com/story?a=1&b=<2>&utm_") for h in hrefs)
    assert "Sneaky Outlet" in html  # the outlet is still credited, just not linked


def test_long_titles_truncated_at_word_boundary(email: RenderedEdition) -> None:
    assert LONG_TITLE not in email.html
    shown = re.search(r"(Interminable(?: Interminable)*)…", email.html)
    assert shown is not None
    assert len(shown.group(0)) <= 300


def test_rtl_and_emoji_text(email: RenderedEdition) -> None:
    html = email.html
    assert ARABIC in html and HEBREW in html and "🚣" in html and "📰" in html
    # every right-to-left run sits in an element of its own whose direction the text decides
    assert '<span dir="auto">الجزيرة</span>' in html  # the outlet's name
    assert re.search(r'<p dir="auto"[^>]*>' + re.escape(HEBREW), html)  # the summary
    assert re.search(r'<h3 dir="auto"[^>]*><a [^>]*>' + re.escape(ARABIC), html)


def test_subject_and_preheader(email: RenderedEdition) -> None:
    assert email.subject == "The Friday Digest: Putin hails ties with Iran in meeting with Raisi"
    assert email.preheader == (
        "Russian President Vladimir Putin on Thursday praised his country's relations with Iran at a meeting with…"
    )
    assert len(email.preheader) <= 110
    assert str(escape(email.preheader)) in email.html  # as Jinja escapes it
    assert "&#847;&zwnj;&nbsp;" in email.html


def test_the_editors_subject_preheader_and_note_win_unless_blank(branding: Branding) -> None:
    edition = make_edition().model_copy(
        update={"subject": "  Our pick\nof the week ", "preheader": " \t ", "note": "From the desk. More later."}
    )
    rendered = render(edition, branding)
    assert rendered.subject == "Our pick of the week"
    # a blank preheader is no preheader: the lead's first sentence, as without one
    assert rendered.preheader == (
        "Russian President Vladimir Putin on Thursday praised his country's relations with Iran at a meeting with…"
    )
    assert "From the desk. More later." in rendered.html
    own = render(make_edition().model_copy(update={"preheader": " The  week\nin one line "}), branding)
    assert own.preheader == "The week in one line" and "The week in one line" in own.html
    blank = render(make_edition().model_copy(update={"subject": "  ", "note": "\n"}), branding)
    assert blank.subject == "The Friday Digest: Putin hails ties with Iran in meeting with Raisi"
    assert clean_text(branding.intro) in blank.html


def test_subject_is_trimmed_single_line(branding: Branding) -> None:
    edition = make_edition()
    edition.sections[0].stories[0] = hostile_story()
    rendered = render(edition, branding)
    assert "\n" not in rendered.subject and "\r" not in rendered.subject
    assert len(rendered.subject) <= 90
    edition.sections[0].stories[0] = story("x", LONG_TITLE, "Short. Then more.")
    rendered = render(edition, branding)
    assert len(rendered.subject) <= 90 and rendered.subject.endswith("Interminable…")
    assert rendered.preheader == "Short."


def test_only_analysis_and_opinion_in_their_section_carry_a_kicker(branding: Branding) -> None:
    """The 'Analysis'/'Opinion' label says what a piece is where readers expect reporting next to
    it; a news story filed under analysis, or an analysis promoted to top news, shows no label."""
    edition = make_edition()
    edition.sections[1].stories.append(story("top-an", "An analysis promoted to top news", kind=Kind.analysis,
                                             source="Vox"))  # fmt: skip
    edition.sections[3].stories.append(story("an-news", "A news story among the analysis", source="AP"))
    rendered = render(edition, branding)
    kickers = re.findall(
        r'<span class="fd-kicker"[^>]*>([^<]+)</span> · <span dir="auto">([^<]*)</span>', rendered.html
    )
    assert kickers == [("Analysis", "The Economist"), ("Opinion", "Le Monde")]


def test_also_covered_lists_each_other_outlet_once_whatever_its_case(branding: Branding) -> None:
    edition = make_edition()
    repeated = story("dup", "One story, outlets named twice", source="Reuters",
                     also=("BBC News", "bbc NEWS", "REUTERS", "The Guardian"))  # fmt: skip
    edition.sections[1].stories = [repeated.model_copy(update={"outlets": 3})]
    html = render(edition, branding).html
    line = re.search(r"One story, outlets named twice.*?Also covered by: (.*?)</p>", html, re.DOTALL)
    assert line is not None
    assert re.findall(r">([^<]+)</a>", line.group(1)) == ["BBC News", "The Guardian"]
    assert "more" not in line.group(1)


def test_a_lead_picture_without_a_headline_still_has_alt_text(branding: Branding) -> None:
    edition = make_edition()
    lead = edition.sections[0].stories[0]
    edition.sections[0].stories[0] = lead.model_copy(
        update={"headline": "", "lead": lead.lead.model_copy(update={"title": " \n "})}
    )
    images = [a for a in Tags(render(edition, branding).html).all("img") if a.get("src") == lead.lead.image]
    assert [a.get("alt") for a in images] == ["Story image"]


def test_empty_sections_are_omitted(branding: Branding) -> None:
    rendered = render(make_edition(empty_features=True), branding)
    assert ">Features<" not in rendered.html
    assert "Features\n========" not in rendered.text
    assert ">Top news<" in rendered.html


def test_reader_section_choice(branding: Branding) -> None:
    rendered = render(make_edition(), branding, sections=frozenset({Section.top, Section.more}))
    assert ">The big story<" not in rendered.html and ">Features<" not in rendered.html
    assert ">Top news<" in rendered.html and ">More this week<" in rendered.html
    assert "Putin hails" not in rendered.html
    assert rendered.subject == "The Friday Digest: EU leaders agree new sanctions package after marathon talks"


def test_size_gate_drops_briefs_from_the_end(branding: Branding, monkeypatch: pytest.MonkeyPatch) -> None:
    edition = make_edition(briefs=300)
    renders: list[int] = []

    def counted(source: str) -> str:
        renders.append(1)
        return mjml_to_html(source)

    monkeypatch.setattr("digest.render.edition.mjml_to_html", counted)
    rendered = render(edition, branding)
    monkeypatch.undo()
    # how many briefs fit is a binary search: the whole edition, then at most 9 halvings of 300, not
    # one MJML render (tens of milliseconds each) per brief dropped
    assert 2 <= len(renders) <= 1 + 9
    assert rendered.html_bytes <= MAX_HTML_BYTES
    briefs = [s.id for s in edition.sections[-1].stories]
    assert rendered.dropped, "300 briefs cannot fit in 90 KB"
    kept = len(briefs) - len(rendered.dropped)
    assert rendered.dropped == briefs[kept:]
    assert kept > 0
    assert f"brief-{kept - 1:03d}-" in rendered.html
    assert f"brief-{kept:03d}-" not in rendered.html
    assert f"brief-{kept:03d}-" not in rendered.text  # the text part matches the HTML
    # one more brief would not have fitted
    bigger = render(edition, branding, max_html_bytes=rendered.html_bytes - 1)
    assert len(bigger.dropped) > len(rendered.dropped)
    # as many as fit: with one brief more than were kept, that one is dropped again; with exactly
    # the number kept, nothing is
    assert render(make_edition(briefs=kept + 1), branding).dropped == [f"more-{kept:03d}"]
    assert render(make_edition(briefs=kept), branding).dropped == []


def test_size_gate_boundaries(branding: Branding) -> None:
    """An edition of exactly the budget is sent whole; when only the edition without any brief fits,
    every brief goes; when not even that fits, rendering fails rather than send a clipped mail."""
    whole = render(make_edition(briefs=6), branding)
    exact = render(make_edition(briefs=6), branding, max_html_bytes=whole.html_bytes)
    assert exact.dropped == [] and exact.html_bytes == whole.html_bytes
    bare = render(make_edition(briefs=0), branding).html_bytes
    no_briefs = render(make_edition(briefs=6), branding, max_html_bytes=bare)
    assert no_briefs.dropped == [f"more-{i:03d}" for i in range(6)]
    assert no_briefs.html_bytes == bare
    assert ">More this week<" not in no_briefs.html and "brief-000" not in no_briefs.text
    message = (
        rf"does not fit in {bare - 1} bytes of HTML even without its 'more' briefs \({whole.html_bytes} bytes with"
    )
    with pytest.raises(EditionTooLarge, match=message):
        render(make_edition(briefs=6), branding, max_html_bytes=bare - 1)


# -- the plain-text part ----------------------------------------------------------------------------


def test_text_part(email: RenderedEdition) -> None:
    text = email.text
    edition = make_edition()
    for url in story_urls(edition):
        assert url in text, url
    for href in Tags(email.html).values("href"):  # every link of the HTML part, in full
        assert href in text, href
    assert "javascript:" not in text.lower()
    assert "<script>alert(1)</script> Breaking" in text  # plain text, shown as typed
    assert f"Unsubscribe: {UNSUBSCRIBE_URL}" in text
    assert f"Manage preferences: {PREFERENCES_URL}" in text
    assert f"Dear {READER_NAME}," in text
    assert VIEW_ONLINE in text
    assert "https://example.org/support?period=monthly" in text
    assert "1 Example Street" in text
    assert "Top news\n========" in text
    assert "Analysis & opinion\n==================" in text
    assert "Analysis &amp;" not in text  # not HTML-escaped
    for line in text.splitlines():
        assert len(line) <= 72 or "://" in line or "@@" in line, line


# -- the web archive page ---------------------------------------------------------------------------


def test_web_version(web: RenderedEdition) -> None:
    assert "@@" not in web.html and "@@" not in web.text
    hrefs = Tags(web.html).values("href")
    assert SUBSCRIBE in hrefs
    assert VIEW_ONLINE not in hrefs
    assert "View this email in your browser" not in web.html
    assert "Subscribe" in web.html
    assert web.html_bytes <= MAX_HTML_BYTES
    assert Tags(web.html).all("html")[0].get("lang") == "en"


# -- pieces -----------------------------------------------------------------------------------------


def test_branding(branding: Branding) -> None:
    assert branding.name == "The Friday Digest"
    assert branding.support_annual_url == "https://example.org/support?period=annual"
    assert branding.subscribe_url == "http://127.0.0.1:3000/subscribe"
    assert Branding(name="X", support_url="https://x.org/give?lang=en").support_once_url == (
        "https://x.org/give?lang=en&period=once"
    )
    with pytest.raises(ValueError):
        Branding(name="X", primary_colour='red;" onload="x')
    with pytest.raises(ValueError):
        Branding(name="X", font_stack="Georgia; } body { display:none")


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://example.com/a?b=1", True),
        ("http://127.0.0.1:8000/x", True),
        ("javascript:alert(1)", False),
        (" JAVASCRIPT:alert(1)", False),
        ("data:text/html,hi", False),
        ("//evil.example.com/x", False),
        ("/relative", False),
        ("https://exa mple.com", False),
        ("https:alert(1)", False),
        ("http://[::1", False),
        ("https://example.com/~user/page", True),
        ("https://example.com/a\x7fb", False),
        ("https://example.com/a\tb", False),
        ("", False),
        (None, False),
    ],
)
def test_safe_url(url: str | None, ok: bool) -> None:
    assert (safe_url(url) is not None) is ok


def test_safe_url_takes_a_url_object_as_its_text() -> None:
    """Stored articles carry pydantic URLs, not strings: their text is what is checked and linked."""
    assert safe_url(HttpUrl("https://example.com/a?b=1")) == "https://example.com/a?b=1"
    assert safe_url(AnyUrl("ftp://example.com/file")) is None


@pytest.mark.parametrize(
    ("value", "limit", "shown"),
    [
        ("  Two \t\n  lines\u2028and   a\rthird  ", None, "Two lines and a third"),
        ("Cafe\u0301 \u202eevil\u202c", None, "Café evil"),
        ("one two three", 9, "one two…"),
        (None, None, ""),
        (48, None, "48"),
    ],
)
def test_clean_text_gives_one_normalised_line(value: object, limit: int | None, shown: str) -> None:
    assert clean_text(value, limit) == shown


def test_environment_is_cached_and_escapes_by_extension() -> None:
    env = environment(LAYOUTS)
    assert env is environment(str(LAYOUTS))
    assert env.autoescape("edition.mjml.j2") and env.autoescape("archive_index.html.j2")  # type: ignore[operator]
    assert env.autoescape("archive_feed.xml.j2")  # type: ignore[operator]
    assert not env.autoescape("edition.txt.j2")  # type: ignore[operator]


def test_edition_without_stories_renders(branding: Branding) -> None:
    edition = make_edition()
    for section in edition.sections:
        section.stories = []
    rendered = render(edition, branding)
    assert rendered.subject == "The Friday Digest: No. 48, Friday 27 November 2026"
    assert UNSUBSCRIBE_URL in rendered.html


# -- archive index and feed -------------------------------------------------------------------------


def archive_entries() -> list[ArchiveEntry]:
    week48 = ArchiveEntry.from_edition(make_edition(), url=VIEW_ONLINE, timezone=TZ)
    assert isinstance(week48.date, datetime)
    return [
        ArchiveEntry(
            id="2026-W46",
            number=46,
            date=(week48.date - timedelta(days=14)).date(),  # a bare date
            headline=ARABIC,
            url="javascript:alert(1)",
        ),
        week48,
        ArchiveEntry(
            id="2026-W47",
            number=47,
            date=week48.date - timedelta(days=7),
            headline="Floods in Wales & the <west> ]]> \x0b",
            url="http://127.0.0.1:8000/archive/2026-W47.html",
            summary="Rivers burst their banks.",
        ),
    ]


def test_archive_index(branding: Branding) -> None:
    html = render_archive_index(
        archive_entries(), branding, layouts_dir=LAYOUTS, base_url="http://127.0.0.1:8000/archive"
    )
    tags = Tags(html)
    assert tags.all("html")[0].get("lang") == "en"
    assert {m.get("name"): m.get("content") for m in tags.all("meta")}.get("color-scheme") == "light dark"
    assert "<style>" in html and not re.search(r"<link[^>]+stylesheet", html)
    assert "<script" not in html and "javascript:" not in html
    # newest first, each linking to its page
    assert html.index("No. 48") < html.index("No. 47") < html.index("No. 46")
    assert VIEW_ONLINE in tags.values("href")
    assert "Friday 27 November 2026" in html
    assert "Putin hails ties with Iran" in html
    assert "Floods in Wales &amp; the &lt;west&gt;" in html
    assert f'dir="auto">{ARABIC}' in html


def test_archive_feed_is_valid_rss(branding: Branding) -> None:
    feed = render_archive_feed(
        archive_entries(), branding, layouts_dir=LAYOUTS, base_url="http://127.0.0.1:8000/archive"
    )
    root = ET.fromstring(feed.encode("utf-8"))
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel is not None and channel.findtext("title") == "The Friday Digest"
    items = channel.findall("item")
    assert [i.findtext("title", "").split(",")[0] for i in items] == ["No. 48", "No. 47", "No. 46"]
    assert items[0].findtext("link") == VIEW_ONLINE
    assert items[0].findtext("pubDate") == "Fri, 27 Nov 2026 07:00:00 +0000"
    assert "Floods in Wales & the <west> ]]>" in (items[1].findtext("title") or "")
    assert items[2].find("link") is None  # an unsafe URL is left out
    assert items[2].findtext("pubDate") == "Fri, 13 Nov 2026 00:00:00 +0000"
    assert "javascript:" not in feed
