"""Server-rendered pages (Jinja2 templates in layouts/): small, accessible, no JavaScript."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from aws_lambda_powertools.event_handler import Response

from digest.models import SECTION_TITLES
from digest.settings import get_settings

if TYPE_CHECKING:
    from jinja2 import Environment

HTML = "text/html; charset=utf-8"
# Pages carry tokens in their URLs: never leak them through Referer, caches or frames.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src https: http: data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
WEEKDAYS = {"MON": "Monday", "TUE": "Tuesday", "WED": "Wednesday", "THU": "Thursday", "FRI": "Friday"}
WEEKDAYS |= {"SAT": "Saturday", "SUN": "Sunday"}


def local_time(moment: datetime | None) -> str:
    """'Friday 27 November 2026, 07:00' in the newsroom's time zone ("" for none)."""
    if moment is None:
        return ""
    local = moment.astimezone(ZoneInfo(get_settings().newsroom_timezone))
    from digest.render.edition import format_date  # the renderer loads with the first page that shows a date

    return f"{format_date(local)}, {local:%H:%M}"


def percent(rate: float) -> str:
    return f"{rate * 100:.1f}%"


def page_templates(layouts: Path) -> list[str]:
    """The layouts rendered as pages: all but the edition's (digest.render.edition renders those)."""
    from digest.render.edition import TEMPLATES

    return sorted(path.name for path in layouts.glob("*.j2") if path.name not in TEMPLATES)


@cache
def environment(layouts: Path) -> Environment:
    from jinja2 import Environment, select_autoescape  # on the first page, not at cold start

    from digest.render.precompiled import Loader

    env = Environment(loader=Loader(layouts, "pages"), autoescape=select_autoescape(["j2", "html"]), auto_reload=False)
    env.filters["when"] = local_time
    env.filters["percent"] = percent
    return env


def render(template: str, title: str, *, status: int = 200, **context: Any) -> Response[str]:
    settings = get_settings()
    body = (
        environment(Path(settings.layouts_dir))
        .get_template(template)
        .render(
            title=title,
            newsletter=settings.newsletter_name,
            privacy_url=settings.privacy_policy_url,
            logo_url=settings.brand_logo_url,
            home_url=settings.archive_base_url,
            colour=settings.brand_primary_colour,
            language=settings.brand_language,
            send_day=WEEKDAYS.get(settings.send_day, settings.send_day),
            sections=[(key.value, label) for key, label in SECTION_TITLES.items()],
            **context,
        )
    )
    return Response(status_code=status, content_type=HTML, body=body, headers=dict(SECURITY_HEADERS))


def message(
    title: str,
    *paragraphs: str,
    status: int = 200,
    form: dict[str, Any] | None = None,
    links: list[dict[str, str]] | None = None,
) -> Response[str]:
    """A page of a few sentences, with at most one button, and maybe a few links."""
    return render("page.html.j2", title, status=status, paragraphs=paragraphs, form=form, links=links)
