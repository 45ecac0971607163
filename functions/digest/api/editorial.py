"""The editors' API: the admin API (x-api-key), the review page (a signed review link) and the desk
(a signed desk link).  AdminApiFunction (digest.handlers.admin_api) resolves these routes; editing a
draft clusters the week again (numpy, scipy), so only that function's package carries them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, File, Form, Query, UploadFile
from aws_lambda_powertools.utilities.typing import LambdaContext

from digest.api import admin, desk, pages, review, subscriptions, web
from digest.api.editor_models import (
    DecisionRequest,
    EditionList,
    EditionStats,
    EditionSummary,
    ImportReport,
    NewSource,
    ReaderPage,
    SourceInput,
    SourceList,
    StatusChange,
    TestSendReport,
    TestSendRequest,
)
from digest.api.models import StatusReply, SubscriberRecord
from digest.api.web import (
    ADMIN,
    IMPORT_PATH,
    MAX_IMPORT_BODY,
    EditionId,
    ReaderId,
    SourceId,
    Token,
    _editor,
    _errors,
    _html,
    _json,
    _reply,
    _require_admin,
    _settings,
    admin_responses,
    current,
    mark_page,
)
from digest.models import Decision, Edition, Section, Source, Subscriber, SubscriberStatus
from digest.readers import ReaderError
from digest.settings import get_settings
from digest.store.sources import SourceStore
from digest.stories.editing import EditError
from digest.stories.service import EditionError, edit_edition

router = Router()
router.exception_handler([EditionError, EditError])(web.conflict)


# ---------------------------------------------------------------- editors: the review page


def _review_page(
    token: str, edition: Edition, *, query: dict[str, str] | None = None, status: int = 200
) -> Response[str]:
    query = query or {}
    context = review.page_context(_settings(), edition)
    notice = review.notice_for(edition, query)
    return pages.render(
        "review.html.j2",
        f"Review: {edition.id}",
        status=status,
        token=token,
        notice=notice,
        asked=query.get("done") == "ask",
        **context,
    )


Done = Annotated[str, Query(max_length=20, pattern=r"^[a-z]*$", description="What the last control did.")]
Story = Annotated[str, Query(max_length=64, description="The story the last control acted on.")]
To = Annotated[str, Query(max_length=320, description="Where the last test went.")]


@router.get(
    "/review/<token>",
    summary="The editor's review page for one edition (the token comes from `digest edition review-link`)",
    tags=["pages"],
    responses={200: _html("The review page"), **_errors(400, 404, 422)},
)
def review_page(token: Token, done: Done = "", story: Story = "", to: To = "") -> Response[str]:
    edition = review.edition_for(get_settings(), token)
    return _review_page(token, edition, query={"done": done, "story": story, "to": to})


@router.post(
    "/review/<token>",
    summary="A control of the review page: pin (section, position), up, down, unpin, drop, restore, summary, "
    "copy (subject, preheader, note), test (address), approve (confirm), reopen",
    tags=["pages"],
    responses={
        303: {"description": "Done: back to the review page, saying what was done", "content": {}},
        **_errors(400, 404, 409, 413, 422),
    },
)
def review_action(
    token: Token,
    action: Annotated[
        Literal["pin", "unpin", "drop", "restore", "up", "down", "summary", "copy", "test", "approve", "reopen"],
        Form(),
    ],
    target: Annotated[str | None, Form(max_length=64)] = None,
    section: Annotated[Section | None, Form()] = None,
    position: Annotated[int | None, Form(ge=1, le=50)] = None,
    text: Annotated[str | None, Form(max_length=600)] = None,
    subject: Annotated[str | None, Form(max_length=200)] = None,
    preheader: Annotated[str | None, Form(max_length=200)] = None,
    note: Annotated[str | None, Form(max_length=1000)] = None,
    address: Annotated[str | None, Form(max_length=320)] = None,
    confirm: Annotated[Literal["yes", ""], Form()] = "",
) -> Response[str]:
    mark_page()
    change = review.ReviewAction(
        action=action, target=target, section=section, position=position, text=text,
        subject=subject or "", preheader=preheader or "", note=note or "", address=address, confirm=confirm == "yes",
    )  # fmt: skip
    _, outcome = review.apply(_settings(), token, change)
    # Post/Redirect/Get; relative, so it works under any stage prefix.
    location = f"{token}?{urlencode(outcome.query())}"
    return Response(status_code=303, headers={"Location": location, "Cache-Control": "no-store"}, body="")


@router.get(
    "/review/<token>/stats",
    summary="The numbers of the edition a review link names: readers, feedback, rates, past editions",
    tags=["pages"],
    responses={200: _html("The stats page"), **_errors(400, 404, 422)},
)
def review_stats_page(token: Token) -> Response[str]:
    edition = review.edition_for(get_settings(), token)
    return desk.stats_page(get_settings(), edition, back=token, desk_token=None)


# ---------------------------------------------------------------- editors: the desk


@router.get(
    "/desk/<token>",
    summary="The editor's desk: every edition with its status, send time and figures (a desk link)",
    tags=["pages"],
    responses={200: _html("The editions list"), **_errors(400, 422)},
)
def desk_page(token: Token) -> Response[str]:
    desk.check(get_settings(), token)
    return desk.editions_page(_settings(), token)


ReaderStatusQuery = Annotated[SubscriberStatus | Literal[""], Query(description="Only readers with this status.")]


@router.get(
    "/desk/<token>/subscribers",
    summary="The readers page of the desk: counts, search, add, unsubscribe, erase, import, export",
    tags=["pages"],
    responses={200: _html("The readers page"), **_errors(400, 422)},
)
def desk_subscribers(
    token: Token,
    q: Annotated[str, Query(max_length=100, description="Part of an address or name")] = "",
    status: ReaderStatusQuery = "",
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> Response[str]:
    mark_page()
    desk.check(get_settings(), token)
    chosen = SubscriberStatus(status) if status else None
    return desk.subscribers_page(get_settings(), token, search=q.strip(), status=chosen, cursor=cursor)


@router.post(
    "/desk/<token>/subscribers",
    summary="A control of the readers page: add (email, name), unsubscribe or erase (reader), import (csv "
    "pasted, or csv_file); posted as multipart/form-data or as an urlencoded form",
    tags=["pages"],
    responses={200: _html("The readers page, saying what was done"), **_errors(400, 404, 413, 422)},
)
def desk_subscribers_action(
    token: Token,
    action: Annotated[Literal["add", "unsubscribe", "erase", "import"], Form()],
    reader: Annotated[str, Form(max_length=24)] = "",
    email: Annotated[str, Form(max_length=320)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    csv: Annotated[str, Form(max_length=MAX_IMPORT_BODY)] = "",
    csv_file: Annotated[UploadFile | None, File(description="A CSV file (UTF-8), instead of pasted text")] = None,
) -> Response[str]:
    mark_page()
    settings = get_settings()
    desk.check(settings, token)
    try:
        if action == "add":
            notice = desk.add_reader(settings, email, name, who="the desk")
        elif action == "import":
            text = desk.uploaded_csv(csv_file.content) if csv_file is not None and csv_file.content else csv
            outcome = admin.import_readers(settings, text.removeprefix("\ufeff"))
            return desk.subscribers_page(settings, token, report=outcome)
        else:
            notice = desk.reader_action(settings, action, reader)
    except (ReaderError, ValueError, LookupError) as error:
        return desk.subscribers_page(settings, token, error=str(error)[:300], code=400)
    return desk.subscribers_page(settings, token, notice=notice)


@router.get(
    "/desk/<token>/subscribers.csv",
    summary="Every reader (but the erased) as CSV with consent columns (a desk link)",
    tags=["pages"],
    responses={200: {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}}, **_errors(400)},
)
def desk_export(token: Token) -> Response[str]:
    desk.check(get_settings(), token)
    return Response(
        status_code=200,
        content_type="text/csv; charset=utf-8",
        body="".join(admin.export_readers(get_settings())),
        headers={"Content-Disposition": 'attachment; filename="readers.csv"', "Cache-Control": "no-store"},
    )


# ---------------------------------------------------------------- admin: readers


@router.get(
    "/admin/subscribers",
    summary="List or search readers, a page at a time",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({200: _json(ReaderPage, "A page of readers")}, 400),
)
def list_subscribers(
    status: Annotated[SubscriberStatus | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=100, description="Part of an address or name")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> Response[Any]:
    _require_admin()
    found, next_cursor = admin.list_readers(get_settings(), status=status, search=q, limit=limit, cursor=cursor)
    page = ReaderPage(subscribers=[SubscriberRecord.model_validate(r.model_dump()) for r in found], cursor=next_cursor)
    return _reply(200, page)


@router.get(
    "/admin/subscribers/export",
    summary="Every reader (but the erased) as CSV, in the import's format",
    tags=["admin"],
    security=ADMIN,
    responses={200: {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}}, **_errors(401)},
)
def export_subscribers() -> Response[str]:
    _require_admin()
    body = "".join(admin.export_readers(get_settings()))
    return Response(
        status_code=200,
        content_type="text/csv; charset=utf-8",
        body=body,
        headers={"Content-Disposition": 'attachment; filename="readers.csv"'},
    )


@router.post(
    IMPORT_PATH,
    summary="Import readers from CSV (email, name, sections, timezone, status): idempotent, per-row errors",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({200: _json(ImportReport, "What was imported and what was not")}, 400),
)
def import_subscribers() -> Response[Any]:
    _require_admin()
    text = current().decoded_body or ""
    outcome = admin.import_readers(get_settings(), text.removeprefix("\ufeff"))
    report = ImportReport(
        imported=outcome.imported, unchanged=outcome.unchanged, rejected=len(outcome.errors), errors=outcome.errors
    )
    return _reply(200, report)


@router.get(
    "/admin/subscribers/<reader_id>",
    summary="One reader, with consents",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({200: _json(Subscriber, "The reader")}, 404),
)
def get_subscriber(reader_id: ReaderId) -> Response[Any]:
    _require_admin()
    return _reply(200, admin.get_reader(get_settings(), reader_id))


@router.put(
    "/admin/subscribers/<reader_id>/status",
    summary="Change a reader's status",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({200: _json(SubscriberRecord, "The reader now")}, 400, 404),
)
def change_subscriber_status(reader_id: ReaderId, change: Annotated[StatusChange, Body()]) -> Response[Any]:
    _require_admin()
    reader = admin.set_reader_status(get_settings(), reader_id, SubscriberStatus(change.status))
    return _reply(200, SubscriberRecord.model_validate(reader.model_dump()))


@router.post(
    "/admin/subscribers/<reader_id>/erase",
    summary="Erase a reader's personal data (as the reader's own erase does)",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({200: _json(StatusReply, "Erased")}, 404),
)
def erase_subscriber(reader_id: ReaderId) -> Response[Any]:
    _require_admin()
    admin.erase_reader_by_id(get_settings(), reader_id)
    return _reply(200, StatusReply(status=SubscriberStatus.erased))


@router.post(
    "/admin/subscribers/<reader_id>/rotate-links",
    summary="Revoke every link the reader was sent (unsubscribe, preferences, data); new mail carries new ones",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({200: _json(StatusReply, "Done: the reader's status")}, 404),
)
def rotate_links(reader_id: ReaderId) -> Response[Any]:
    _require_admin()
    return _reply(200, StatusReply(status=subscriptions.rotate_links(get_settings(), reader_id).status))


# ---------------------------------------------------------------- admin: sources


def _sources() -> SourceStore:
    return SourceStore(get_settings().sources_table)


def _storable(data: dict[str, Any]) -> Source:
    """A source that will read back as itself (a URL that normalises past the limit is refused now, not later)."""
    source = Source.model_validate(data)
    return Source.model_validate_json(source.model_dump_json())


def _source_json(source: Source) -> dict[str, Any]:
    return source.model_dump(mode="json")


@router.get(
    "/admin/sources",
    summary="Every source",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({200: _json(SourceList, "The sources")}),
)
def list_sources() -> Response[Any]:
    _require_admin()
    return _reply(200, SourceList(sources=[_source_json(s) for s in _sources().all()]))


@router.post(
    "/admin/sources",
    summary="Add a source",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({201: _json(Source, "The new source")}, 400, 409),
)
def create_source(new: Annotated[NewSource, Body()]) -> Response[Any]:
    _require_admin()
    if _sources().get(new.id):
        raise EditionError(f"a source {new.id} exists already; PUT /admin/sources/{new.id} changes it")
    source = _storable(new.model_dump())
    _sources().put(source)
    return _reply(201, source)


@router.get(
    "/admin/sources/<source_id>",
    summary="One source, with its polling state",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({200: _json(Source, "The source")}, 404),
)
def get_source(source_id: SourceId) -> Response[Any]:
    _require_admin()
    source = _sources().get(source_id)
    if source is None:
        raise LookupError(f"no source {source_id}")
    return _reply(200, source)


@router.put(
    "/admin/sources/<source_id>",
    summary="Create or change a source (its polling state is kept)",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({200: _json(Source, "The source now")}, 400),
)
def put_source(source_id: SourceId, change: Annotated[SourceInput, Body()]) -> Response[Any]:
    _require_admin()
    before = _sources().get(source_id)
    base = before.model_dump() if before else {"id": source_id}
    source = _storable({**base, **change.model_dump()})
    _sources().put(source)
    return _reply(200, source)


@router.delete(
    "/admin/sources/<source_id>",
    summary="Remove a source (its articles stay)",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({204: {"description": "Removed", "content": {}}}, 404),
)
def delete_source(source_id: SourceId) -> Response[Any]:
    _require_admin()
    if _sources().get(source_id) is None:
        raise LookupError(f"no source {source_id}")
    _sources().delete(source_id)
    return Response(status_code=204, body="")


# ---------------------------------------------------------------- admin: editions


def _summary(edition: Edition) -> EditionSummary:
    return EditionSummary(
        id=edition.id,
        number=edition.number,
        status=edition.status,
        window_start=edition.window_start,
        window_end=edition.window_end,
        stories=len(edition.stories()),
        new_articles=edition.new_articles,
    )


@router.get(
    "/admin/editions",
    summary="Every edition, newest first",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({200: _json(EditionList, "The editions")}),
)
def list_editions() -> Response[Any]:
    _require_admin()
    return _reply(200, EditionList(editions=[_summary(e) for e in admin.list_editions(get_settings())]))


@router.get(
    "/admin/editions/<edition_id>",
    summary="One edition: sections, stories, decisions, history",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({200: _json(Edition, "The edition")}, 404),
)
def get_edition(edition_id: EditionId) -> Response[Any]:
    _require_admin()
    return _reply(200, admin.get_edition(get_settings(), edition_id))


@router.post(
    "/admin/editions/<edition_id>/decisions",
    summary="An editor's change to a draft: pin (section, position: also reorders), unpin, drop, restore, summary",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({200: _json(Edition, "The rebuilt draft")}, 404, 409),
)
def decide(edition_id: EditionId, request: Annotated[DecisionRequest, Body()]) -> Response[Any]:
    _require_admin()
    admin.get_edition(get_settings(), edition_id)
    decision = Decision(**request.model_dump(), who=_editor())
    return _reply(200, edit_edition(get_settings(), edition_id, decision))


@router.post(
    "/admin/editions/<edition_id>/approve",
    summary="Approve a draft for sending",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({200: _json(Edition, "The approved edition")}, 404, 409),
)
def approve_edition(edition_id: EditionId) -> Response[Any]:
    _require_admin()
    admin.get_edition(get_settings(), edition_id)
    return _reply(200, admin.approve(get_settings(), edition_id, who=_editor()))


@router.post(
    "/admin/editions/<edition_id>/test-send",
    summary="Mail the edition, marked [TEST], to up to 10 addresses; the send log is not touched",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({200: _json(TestSendReport, "What SES accepted")}, 400, 404),
)
def test_send(edition_id: EditionId, request: Annotated[TestSendRequest, Body()]) -> Response[Any]:
    _require_admin()
    return _reply(200, TestSendReport(sent=admin.test_send(_settings(), edition_id, request.addresses)))


@router.get(
    "/admin/editions/<edition_id>/stats",
    summary="Send-log counts and SES counters of an edition",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({200: _json(EditionStats, "The numbers")}, 404),
)
def edition_stats(edition_id: EditionId) -> Response[Any]:
    _require_admin()
    return _reply(200, EditionStats.model_validate(admin.edition_stats(get_settings(), edition_id)))


@router.get(
    "/admin/editions/<edition_id>/review-link",
    summary="A signed link (three days) to the edition's review page",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({200: _json(dict[str, str], "The link")}, 404),
)
def review_link(edition_id: EditionId) -> Response[Any]:
    _require_admin()
    admin.get_edition(get_settings(), edition_id)
    return _reply(200, {"url": review.review_link(_settings(), edition_id)})


@router.get(
    "/admin/desk-link",
    summary="A signed link (a week) to the editor's desk: editions, numbers, readers",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({200: _json(dict[str, str], "The link")}),
)
def desk_link() -> Response[Any]:
    _require_admin()
    return _reply(200, {"url": desk.desk_link(_settings())})



@router.get("/openapi.json", include_in_schema=False)
def openapi_document() -> Response[Any]:
    """The whole API's document (both functions' routes): served here, where both sets of code are."""
    from digest.api.openapi import document

    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=document())


app = web.resolver(router)


def resolve(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """AdminApiFunction's entry: the admin, review and desk routes only."""
    return web.handle(app, event, context)
