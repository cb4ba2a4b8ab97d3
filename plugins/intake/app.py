"""The ASGI application: ``POST /comments``, the receipt, the challenge, health.

The handler does cheap checks first (origin, flood, size), parses, checks with
the shared model, and answers only after the spool has the submission on disk.
Everything that blocks (SQLite, reading the site, rendering a preview) runs in
a worker thread, so one slow request never stalls the others.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
from comments.check import check_comment
from comments.model import Comment
from sitekit.markup import render_markdown
from sitekit.yamlfile import YamlError, YamlMap, read_text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Route

from .config import IntakeSettings, origin_of
from .guard import ProofOfWork, RateLimiter, address_key, origin_allowed
from .pages import Pages, pick_language
from .site import SiteIndex
from .spool import Entry, Spool
from .submission import (
    BadRequest,
    Draft,
    FieldError,
    branch_name,
    check_fields,
    file_path,
    new_id,
    parse_form,
    parse_json,
    render_yaml,
)
from .worker import Worker

logger = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
_IDEM_KEY = re.compile(r"[A-Za-z0-9_.:-]{8,100}")
#: Seconds a preview may take before the receipt shows the plain text instead.
PREVIEW_TIMEOUT = 2.0
#: The text of pushed submissions is dropped from the spool after this long.
KEEP_TEXT_SECONDS = 7 * 24 * 3600


class TooLarge(ValueError):
    """The request body is larger than the configured limit."""


Limit = tuple[int, float] | None


class GroupCommit:
    """Collect the submissions that arrive while a commit runs; commit them together.

    Every acknowledgement still waits for its own row to be on disk, but fifty
    concurrent readers share one fsync instead of queueing for fifty.
    """

    def __init__(self, spool: Spool) -> None:
        self.spool = spool
        self._pending: list[
            tuple[Any, Limit, asyncio.Future[tuple[Entry | None, bool]]]
        ] = []
        self._running = False
        self._task: asyncio.Task[None] | None = None

    async def add(self, make: Any, limit: Limit) -> tuple[Entry | None, bool]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[tuple[Entry | None, bool]] = loop.create_future()
        self._pending.append((make, limit, future))
        if not self._running:
            self._running = True
            # Keep a reference: the loop holds tasks only weakly.
            self._task = loop.create_task(self._flush())
        return await asyncio.shield(future)

    async def _flush(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                try:
                    results = await anyio.to_thread.run_sync(
                        self.spool.add_batch, [(m, lim) for m, lim, _ in batch]
                    )
                except (
                    Exception
                ) as exc:  # every waiter hears of it; none is acknowledged
                    for *_, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for (*_, future), result in zip(batch, results, strict=True):
                    if not future.done():
                        future.set_result(result)
        finally:
            self._running = False


@dataclass
class Service:
    """What the handlers share; one per app, nothing at module level."""

    settings: IntakeSettings
    spool: Spool
    index: SiteIndex
    pages: Pages
    worker: Worker
    per_address: RateLimiter
    pow: ProofOfWork
    key: bytes
    commits: GroupCommit

    def token(self, entry_id: str) -> str:
        return hmac.new(
            self.key, f"receipt:{entry_id}".encode(), hashlib.sha256
        ).hexdigest()[:32]

    def origins(self, request: Request) -> frozenset[str]:
        own = origin_of(f"{request.url.scheme}://{request.url.netloc}/")
        return self.settings.origins | {own}

    def safe_return(self, url: str | None, request: Request) -> str | None:
        """A link back to the post, only to an origin that may post here."""
        if url and origin_of(url) in self.origins(request):
            return url
        referer = request.headers.get("referer")
        if referer and origin_of(referer) in self.settings.origins:
            return referer
        return None


def client_address(request: Request, trust_proxy: bool) -> str:
    if trust_proxy:
        forwarded = request.headers.get("x-forwarded-for", "")
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if hops:
            return hops[-1]
    return request.client.host if request.client else "unknown"


def wants_json(request: Request) -> bool:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "application/json":
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


async def read_capped(request: Request, limit: int) -> bytes:
    """The request body, refused as soon as it passes ``limit`` bytes."""
    length = request.headers.get("content-length")
    if length is not None:
        try:
            if int(length) > limit:
                raise TooLarge(length)
        except ValueError as exc:
            if isinstance(exc, TooLarge):
                raise
            raise BadRequest("the Content-Length header is not a number") from exc
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(size)
        chunks.append(chunk)
    return b"".join(chunks)


def _security_headers(
    response: Response, form_origins: frozenset[str] = frozenset()
) -> Response:
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    if isinstance(response, HTMLResponse):
        actions = " ".join(["'self'", *sorted(form_origins)])
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
            f"form-action {actions}; frame-ancestors 'none'"
        )
    return response


def create_app(settings: IntakeSettings) -> Starlette:
    """Build the service over a spool and a site working tree (nothing at import)."""
    spool = Spool(settings.spool)
    key = settings.secret.encode() if settings.secret else spool.secret()
    service = Service(
        settings=settings,
        spool=spool,
        index=SiteIndex(
            settings.repo / settings.content_path,
            settings.repo / settings.content_path / settings.comments_path,
            settings.zone,
            settings.close_after_days,
        ),
        pages=Pages(settings.repo, settings.lang),
        worker=Worker(settings, spool),
        per_address=RateLimiter(settings.rate_address),
        pow=ProofOfWork(
            key, max_number=settings.pow_max_number, used=spool.use_challenge
        ),
        key=key,
        commits=GroupCommit(spool),
    )

    def reject(
        request: Request,
        status: int,
        errors: list[FieldError],
        fields: dict[str, str] | None,
        lang: str,
        headers: dict[str, str] | None = None,
    ) -> Response:
        if wants_json(request):
            body = {"errors": service.pages.errors_json(errors, lang)}
            response: Response = JSONResponse(body, status_code=status, headers=headers)
        else:
            html = service.pages.rejected(
                lang,
                errors=errors,
                fields=fields,
                action=request.url.path,
                return_url=service.safe_return((fields or {}).get("return"), request),
                css_url=request.url_for("css").path,
            )
            response = HTMLResponse(html, status_code=status, headers=headers)
        return _security_headers(response, service.origins(request))

    async def post_comment(request: Request) -> Response:
        default_lang = pick_language(
            None, request.headers.get("accept-language"), settings.lang
        )
        origin = request.headers.get("origin")
        if not origin_allowed(
            origin, request.headers.get("referer"), service.origins(request)
        ):
            logger.info("Refused a comment from origin %r", (origin or "")[:100])
            error = FieldError(
                "origin", "Comments can only be sent from the site's own pages."
            )
            return reject(request, 403, [error], None, default_lang)
        wait = service.per_address.hit(
            address_key(client_address(request, settings.trust_proxy))
        )
        if wait:
            error = FieldError(
                "rate",
                "Too many comments in a short time. Please wait a few "
                "minutes and send again.",
            )
            return reject(
                request,
                429,
                [error],
                None,
                default_lang,
                {"Retry-After": str(int(wait) + 1)},
            )
        try:
            data = await read_capped(request, settings.max_request_bytes)
            ctype = (
                request.headers.get("content-type", "").split(";")[0].strip().lower()
            )
            if ctype == "application/json":
                fields = parse_json(data)
            elif ctype == "application/x-www-form-urlencoded":
                fields = parse_form(data)
            else:
                error = FieldError("request", "Send the comment as a form or as JSON.")
                return reject(request, 415, [error], None, default_lang)
        except TooLarge:
            error = FieldError("request", "The comment is too long to be sent.")
            return reject(request, 413, [error], None, default_lang)
        except BadRequest as exc:
            logger.info("Refused a malformed comment request: %s", exc)
            error = FieldError(
                "request", "The request could not be read. Please send the form again."
            )
            return reject(request, 400, [error], None, default_lang)
        lang = pick_language(
            fields.get("lang"), request.headers.get("accept-language"), settings.lang
        )
        if fields.get("homepage"):
            error = FieldError(
                "homepage",
                "This looks like an automatic submission: the "
                "field that must stay empty was filled in.",
            )
            return reject(request, 400, [error], None, lang)
        if settings.pow and not await anyio.to_thread.run_sync(
            service.pow.verify, fields.get("altcha", "")
        ):
            error = FieldError(
                "altcha",
                "The anti-spam check is missing or has expired. "
                "Please send the comment again.",
            )
            return reject(request, 400, [error], fields, lang)
        posts = service.index.cached()
        if posts is None:
            posts = await anyio.to_thread.run_sync(service.index.posts)
        draft, errors = check_fields(
            fields, posts, zone=settings.zone, max_links=settings.max_links
        )
        if errors or draft is None:
            return reject(request, 422, errors, fields, lang)
        idem = request.headers.get("idempotency-key")
        if idem is not None and not _IDEM_KEY.fullmatch(idem):
            error = FieldError(
                "request", "The request could not be read. Please send the form again."
            )
            return reject(request, 400, [error], fields, lang)
        rate = settings.rate_post
        limit = (rate.count, time.time() - rate.seconds) if rate.count else None
        entry, created = await service.commits.add(
            _entry_maker(settings, draft, lang, idem), limit
        )
        if entry is None:
            error = FieldError(
                "rate",
                "This post has received many comments just now. "
                "Please try again later.",
            )
            return reject(
                request,
                429,
                [error],
                fields,
                lang,
                {"Retry-After": str(int(rate.seconds))},
            )
        if created:
            logger.info("Accepted comment %s on %s", entry.id, entry.slug)
        receipt = request.url_for("receipt", entry_id=entry.id).include_query_params(
            t=service.token(entry.id)
        )
        if wants_json(request):
            response: Response = JSONResponse(
                {"id": entry.id, "branch": entry.branch},
                status_code=202,
                headers={"Location": str(receipt)},
            )
        else:
            response = RedirectResponse(str(receipt), status_code=303)
        return _security_headers(response)

    async def receipt(request: Request) -> Response:
        entry_id = request.path_params["entry_id"]
        token = request.query_params.get("t", "")
        lang = pick_language(
            None, request.headers.get("accept-language"), settings.lang
        )
        entry = None
        if hmac.compare_digest(token, service.token(entry_id)):
            entry = await anyio.to_thread.run_sync(service.spool.get, entry_id)
        if entry is None:
            return _security_headers(
                HTMLResponse(
                    service.pages.gettext(lang, "No such receipt."), status_code=404
                )
            )
        lang = pick_language(entry.lang, None, settings.lang)
        comment = _read_entry(entry, settings)
        preview = None
        if comment is not None:
            preview = await _preview(comment["body"] or "")
        posts = await anyio.to_thread.run_sync(service.index.posts)
        post = posts.get(entry.slug)
        html = service.pages.receipt(
            lang,
            entry_id=entry.id,
            comment=comment
            or {"author": "", "body": "", "website": None, "parent": None},
            post_title=post.title_in(lang) if post else entry.slug,
            preview_html=preview,
            return_url=service.safe_return(entry.return_url, request),
            css_url=request.url_for("css").path,
        )
        return _security_headers(HTMLResponse(html), service.origins(request))

    async def challenge(request: Request) -> Response:
        if not settings.pow:
            return JSONResponse({"error": "proof of work is off"}, status_code=404)
        return _security_headers(JSONResponse(service.pow.issue().as_json()))

    async def health(request: Request) -> Response:
        stats = await anyio.to_thread.run_sync(service.spool.stats)
        return _security_headers(JSONResponse({"ok": True, **stats}))

    async def css(request: Request) -> Response:
        return FileResponse(
            STATIC / "intake.css", headers={"Cache-Control": "max-age=3600"}
        )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        stop = anyio.Event()
        async with anyio.create_task_group() as group:
            if settings.worker:
                group.start_soon(service.worker.run, stop)
                group.start_soon(_forget_old_text, service.spool, stop)
            try:
                yield
            finally:
                stop.set()
        service.spool.close()

    app = Starlette(
        routes=[
            Route("/comments", post_comment, methods=["POST"], name="post_comment"),
            Route(
                "/comments/{entry_id:str}/receipt",
                receipt,
                methods=["GET"],
                name="receipt",
            ),
            Route("/challenge", challenge, methods=["GET"], name="challenge"),
            Route("/health", health, methods=["GET"], name="health"),
            Route("/static/intake.css", css, methods=["GET"], name="css"),
        ],
        middleware=[
            Middleware(
                CORSMiddleware,
                allow_origins=sorted(settings.origins),
                allow_methods=["GET", "POST"],
                allow_headers=["Content-Type", "Idempotency-Key"],
                expose_headers=["Location"],
                max_age=600,
            )
        ],
        lifespan=lifespan,
    )
    app.state.service = service
    return app


def _entry_maker(
    settings: IntakeSettings, draft: Draft, lang: str, idem: str | None
) -> Any:
    received = datetime.now(UTC)
    root = f"{settings.content_path}/{settings.comments_path}"
    content = render_yaml(draft, received, settings.zone)

    def make() -> Entry:
        entry_id = new_id(received)
        return Entry(
            id=entry_id,
            slug=draft.slug,
            branch=branch_name(draft.slug, entry_id),
            path=file_path(root, draft.slug, entry_id),
            content=content,
            author=draft.author,
            received=received.timestamp(),
            lang=lang,
            return_url=draft.return_url,
            idem_key=idem,
        )

    return make


def _read_entry(entry: Entry, settings: IntakeSettings) -> dict[str, str | None] | None:
    """The stored file read back with the model (None once the text was dropped)."""
    if not entry.content:
        return None
    try:
        root = read_text(entry.content)
    except YamlError:
        return None
    if not isinstance(root, YamlMap):
        return None
    comment, _ = check_comment(
        root,
        path=entry.path,
        timezone=settings.zone,
        default_id=entry.id,
        allow_role=False,
    )
    if not isinstance(comment, Comment):
        return None
    return {
        "author": comment.author,
        "body": comment.body,
        "website": comment.website,
        "parent": comment.parent,
    }


async def _preview(body: str) -> str | None:
    """Render in a thread with a time limit; the plain text is shown past it."""
    with anyio.move_on_after(PREVIEW_TIMEOUT):
        return await anyio.to_thread.run_sync(
            render_markdown, body, abandon_on_cancel=True
        )
    return None


async def _forget_old_text(spool: Spool, stop: anyio.Event) -> None:
    while not stop.is_set():
        await anyio.to_thread.run_sync(
            spool.forget_text, time.time() - KEEP_TEXT_SECONDS
        )
        with anyio.move_on_after(3600):
            await stop.wait()
