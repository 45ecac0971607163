"""The bundled sample news site: several outlets' feeds (RSS 2.0, Atom, JSON Feed) and article pages.

The articles are written for this project (``sample/site.json``).  Their times are laid out over the
edition window the demo builds, so the week's news is always this week's.  Pages carry the kind of
boilerplate real sites have — a newsletter sign-up box and a donation appeal — which ingest must strip.
"""

from __future__ import annotations

import html
import json
import struct
import threading
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from digest.settings import REPO_ROOT

SITE_DATA = REPO_ROOT / "sample" / "site.json"


@dataclass(frozen=True)
class SampleArticle:
    outlet: dict[str, Any]
    data: dict[str, Any]
    published: datetime

    @property
    def path(self) -> str:
        section = {"feature": "features", "analysis": "analysis", "opinion": "opinion"}.get(self.data["kind"], "news")
        return f"/{self.outlet['slug']}/{section}/{self.published:%Y/%m/%d}/{self.data['slug']}"


class SampleSite:
    """The sample content, timed into [start, end)."""

    def __init__(self, start: datetime, end: datetime, data_path: Path = SITE_DATA) -> None:
        data = json.loads(data_path.read_text(encoding="utf-8"))
        self.outlets = {o["slug"]: o for o in data["outlets"]}
        span = end - start
        self.articles = [
            SampleArticle(self.outlets[a["outlet"]], a, start + span * ((a["day"] * 24 + a["hour"] + 0.5) / (7 * 24)))
            for a in data["articles"]
        ]

    def feed_path(self, slug: str) -> str:
        return f"/{slug}/" + {"rss": "rss.xml", "atom": "atom.xml", "json": "feed.json"}[self.outlets[slug]["format"]]


def _png(rgb: tuple[int, int, int], width: int = 600, height: int = 300) -> bytes:
    """A small solid-colour PNG, so lead images are real images without shipping binaries."""
    row = b"\x00" + bytes(rgb) * width
    raw = zlib.compress(row * height, 9)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def _colour(key: str) -> tuple[int, int, int]:
    value = zlib.crc32(key.encode())
    return 60 + value % 150, 60 + (value >> 8) % 150, 60 + (value >> 16) % 150


class _Handler(BaseHTTPRequestHandler):
    server_version = "SampleNews/1.0"

    def __init__(self, *args: Any, site: SampleSite, **kwargs: Any) -> None:
        self.site = site
        super().__init__(*args, **kwargs)

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the demo prints its own progress
        return

    @property
    def base(self) -> str:
        return f"http://{self.headers.get('Host', '127.0.0.1')}"

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        parts = path.strip("/").split("/")
        if len(parts) == 2 and parts[0] in self.site.outlets and path == self.site.feed_path(parts[0]):
            return self._feed(parts[0])
        if path.startswith("/images/") and path.endswith(".png"):
            return self._send(200, "image/png", _png(_colour(path)))
        for article in self.site.articles:
            if article.path == path:
                return self._send(200, "text/html; charset=utf-8", self._page(article).encode())
        return self._send(404, "text/plain", b"not found")

    def _send(self, status: int, content_type: str, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _image(self, article: SampleArticle) -> str | None:
        return (
            f"{self.base}/images/{article.outlet['slug']}-{article.data['slug']}.png"
            if article.data.get("image")
            else None
        )

    def _feed(self, slug: str) -> None:
        outlet = self.site.outlets[slug]
        items = sorted(
            (a for a in self.site.articles if a.outlet["slug"] == slug), key=lambda a: a.published, reverse=True
        )
        link = f"{self.base}/{slug}/"
        etag = f'"{slug}-{len(items)}-{items[0].published:%s}"' if items else f'"{slug}-empty"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return None
        kind = outlet["format"]
        if kind == "json":
            body = json.dumps(
                {
                    "version": "https://jsonfeed.org/version/1.1",
                    "title": outlet["name"],
                    "home_page_url": link,
                    "feed_url": f"{self.base}{self.site.feed_path(slug)}",
                    "language": outlet.get("lang", "en"),
                    "items": [
                        {
                            "id": f"{link}{a.data['slug']}",
                            "url": f"{self.base}{a.path}?utm_source=feed&utm_medium=json",
                            "title": a.data["title"],
                            "summary": a.data["summary"],
                            "date_published": a.published.isoformat(),
                            "authors": [{"name": a.data["author"]}],
                            "tags": [a.data["category"], a.data["kind"]],
                            **({"image": self._image(a)} if self._image(a) else {}),
                        }
                        for a in items
                    ],
                },
                ensure_ascii=False,
            ).encode()
            content_type = "application/feed+json"
        elif kind == "atom":
            entries = "".join(
                f"<entry><id>tag:{slug}.example,2026:{html.escape(a.data['slug'])}</id>"
                f"<title>{html.escape(a.data['title'])}</title>"
                f'<link rel="alternate" href="{self.base}{a.path}?utm_source=atom&amp;utm_campaign=feed"/>'
                f"<published>{a.published.isoformat()}</published><updated>{a.published.isoformat()}</updated>"
                f"<author><name>{html.escape(a.data['author'])}</name></author>"
                f'<category term="{html.escape(a.data["category"])}"/><category term="{a.data["kind"]}"/>'
                f"<summary>{html.escape(a.data['summary'])}</summary>"
                + (f'<link rel="enclosure" type="image/png" href="{self._image(a)}"/>' if self._image(a) else "")
                + "</entry>"
                for a in items
            )
            body = (
                f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" xml:lang="'
                f'{outlet.get("lang", "en")}"><title>{html.escape(outlet["name"])}</title>'
                f'<id>{link}</id><link href="{link}"/><updated>{items[0].published.isoformat() if items else ""}'
                f"</updated>{entries}</feed>"
            ).encode()
            content_type = "application/atom+xml"
        else:
            entries = "".join(
                f"<item><title>{html.escape(a.data['title'])}</title>"
                f"<link>{self.base}{a.path}?utm_source=rss&amp;fbclid=abc123</link>"
                f'<guid isPermaLink="false">{slug}-{html.escape(a.data["slug"])}</guid>'
                f"<pubDate>{format_datetime(a.published)}</pubDate>"
                f"<dc:creator>{html.escape(a.data['author'])}</dc:creator>"
                f"<category>{html.escape(a.data['category'])}</category><category>{a.data['kind']}</category>"
                f"<description>{html.escape(a.data['summary'])}</description>"
                + (f'<media:content url="{self._image(a)}" medium="image" type="image/png"/>' if self._image(a) else "")
                + "</item>"
                for a in items
            )
            body = (
                '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
                'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/">'
                f"<channel><title>{html.escape(outlet['name'])}</title><link>{link}</link>"
                f"<description>{html.escape(outlet.get('tagline', ''))}</description>"
                f"<language>{outlet.get('lang', 'en')}</language>{entries}</channel></rss>"
            ).encode()
            content_type = "application/rss+xml"
        return self._send(200, f"{content_type}; charset=utf-8", body, {"ETag": etag, "Cache-Control": "max-age=300"})

    def _page(self, article: SampleArticle) -> str:
        data, outlet = article.data, article.outlet
        name = html.escape(outlet["name"])
        image = self._image(article)
        paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in data["paragraphs"])
        return f"""<!doctype html>
<html lang="{outlet.get("lang", "en")}"><head><meta charset="utf-8">
<title>{html.escape(data["title"])} - {name}</title>
<meta property="og:title" content="{html.escape(data["title"])}">
<meta property="og:site_name" content="{name}">
<meta property="og:type" content="article">
<meta property="article:section" content="{html.escape(data["category"])}">
<meta property="article:published_time" content="{article.published.isoformat()}">
<meta name="author" content="{html.escape(data["author"])}">
{f'<meta property="og:image" content="{image}">' if image else ""}
<link rel="canonical" href="{self.base}{article.path}">
</head><body>
<header><nav><a href="/">Home</a> <a href="/{outlet["slug"]}/news">News</a>
<a href="/support">Support {name}!</a></nav></header>
<main><article>
<h1>{html.escape(data["title"])}</h1>
<p class="byline">By {html.escape(data["author"])} · {article.published:%d %B %Y}</p>
{f'<figure><img src="{image}" alt=""><figcaption>Photo: {name}</figcaption></figure>' if image else ""}
<p class="standfirst"><strong>{html.escape(data["summary"])}</strong></p>
{paragraphs}
</article>
<aside class="newsletter">
<h3>Sign up for our free weekly newsletter</h3>
<p>Our weekly newsletter contains a hand-picked selection of news, features, analysis and more from {name}.
You will receive it in your mailbox every Friday. Never miss the latest news. Preview</p>
<form><input type="email" placeholder="Your email"><button>Subscribe</button></form>
<p>Subscribers agree to the Privacy Policy</p>
</aside>
<section class="support">
<h2>A Message from {name}:</h2>
<p>Dear readers,</p>
<p>Independent local journalism costs money, and we rely on readers like you. If you can, please support us
monthly starting from just $2. It's quick to set up, and every contribution makes a significant impact.</p>
<p>By supporting {name}, you're defending open, independent journalism. Thank you for standing with us.</p>
<ul><li>Once</li><li>Monthly</li><li>Annual</li></ul><button>Continue</button>
<p>Not ready to support today?</p><p>Remind me later.</p>
</section>
</main>
<footer><p>Read more</p><p>&copy; {article.published:%Y} {name}</p></footer>
</body></html>"""


class SiteServer:
    """The sample site on loopback, in a background thread."""

    def __init__(self, site: SampleSite, port: int = 0) -> None:
        self.site = site
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), partial(_Handler, site=site))
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> SiteServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def feed_urls(self) -> dict[str, str]:
        return {slug: f"{self.base_url}{self.site.feed_path(slug)}" for slug in self.site.outlets}


def window_for_demo(start: datetime, end: datetime, now: datetime) -> tuple[datetime, datetime]:
    """The part of an edition window that has already happened (the site cannot publish the future)."""
    return start, min(end, now - timedelta(minutes=5))
