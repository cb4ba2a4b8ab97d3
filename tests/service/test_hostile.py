"""Hostile requests get a clear 4xx, never a file, never a 5xx."""

from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup
from intake.config import IntakeSettings, RateLimit
from service.intake_fixtures import SITE_HEADERS, SITE_ORIGIN, form, service_client
from starlette.testclient import TestClient

FORM = {**SITE_HEADERS, "Content-Type": "application/x-www-form-urlencoded"}
JSON = {**SITE_HEADERS, "Content-Type": "application/json"}


def nothing_spooled(client: TestClient) -> bool:
    return client.app.state.service.spool.all_entries() == []


def status_of(client: TestClient, **fields: str) -> int:
    """The status of a JSON post of ``form(**fields)`` from the site."""
    return client.post(
        "/comments", json=form(**fields), headers=SITE_HEADERS
    ).status_code


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"post": "../../etc"}, "post"),
        ({"post": "..%2F..%2Fetc"}, "post"),
        ({"post": "offener-beitrag/../../x"}, "post"),
        ({"post": "/etc/passwd"}, "post"),
        ({"post": "gibt-es-nicht"}, "post"),
        ({"post": "geschlossener-beitrag"}, "post"),
        ({"post": "ohne-kommentare"}, "post"),
        ({"post": "entwurf"}, "post"),
        ({"post": ""}, "post"),
        ({"parent": "../thread"}, "parent"),
        ({"parent": "brehm-1/../../x"}, "parent"),
        ({"parent": "gibt-es-nicht"}, "parent"),
        ({"author": ""}, "author"),
        ({"author": "x" * 101}, "author"),
        ({"author": "Jonas\r\nX-Injected: 1"}, "author"),
        ({"website": "https://a.example/\r\nSet-Cookie: x=1"}, "website"),
        ({"website": "javascript:alert(1)"}, "website"),
        ({"email": "a@b.example\r\nBcc: victim@example.org"}, "email"),
        ({"email": "not an address"}, "email"),
        ({"body": ""}, "body"),
        ({"body": "   \n  "}, "body"),
        ({"body": "x" * 20_001}, "body"),
        ({"body": "bad \x00 byte"}, "body"),
        ({"body": "\x1b[31m red"}, "body"),
        (
            {
                "body": "https://a.example https://b.example https://c.example https://d.example"
            },
            "body",
        ),
        ({"consent": ""}, "consent"),
        ({"consent": "no"}, "consent"),
    ],
)
def test_field_errors_are_422_with_the_field_named(
    client: TestClient, fields: dict[str, str], field: str
) -> None:
    data = form(**fields)
    if fields.get("post") == "":
        data.pop("post", None)
    answer = client.post("/comments", json=data, headers=SITE_HEADERS)
    assert answer.status_code == 422, answer.text
    assert field in answer.json()["errors"]
    assert nothing_spooled(client)


def test_rejection_page_names_each_problem_and_keeps_the_text(
    client: TestClient,
) -> None:
    typed = (
        "Mein langer Text, den ich nicht verlieren will.\n\n<script>alert(1)</script>"
    )
    answer = client.post(
        "/comments",
        data=form(author="", body=typed, consent="", lang="de"),
        headers=SITE_HEADERS,
    )
    assert answer.status_code == 422
    soup = BeautifulSoup(answer.text, "html.parser")
    assert soup.html["lang"] == "de"
    items = [li.get_text(" ", strip=True) for li in soup.select(".intake-errors li")]
    assert any("Namen" in i for i in items)
    assert any("Datenschutz" in i for i in items)
    assert soup.find("textarea", attrs={"name": "body"}).string.strip() == typed.strip()
    assert soup.find("script") is None
    assert soup.find("input", attrs={"name": "post"})["value"] == "offener-beitrag"
    assert soup.find(id="field-author")["aria-invalid"] == "true"
    form_tag = soup.find("form")
    assert form_tag["action"] == "/comments" and form_tag["method"] == "post"


def test_rejection_page_in_english(client: TestClient) -> None:
    answer = client.post(
        "/comments", data=form(body="", lang="en"), headers=SITE_HEADERS
    )
    soup = BeautifulSoup(answer.text, "html.parser")
    assert soup.html["lang"] == "en"
    assert "Please write a comment." in soup.get_text()


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (
            b"post=offener-beitrag&author=%FF%FE&body=x&consent=yes",
            FORM,
            400,
        ),  # bad UTF-8
        (b"\xff\xfe\x00garbage", FORM, 400),
        (b"post=a&post=b", FORM, 400),  # a field twice
        (b"unknown=1", FORM, 400),
        (b"%%%", FORM, 400),  # a nameless field
        (
            b'{"post": "offener-beitrag",',
            JSON,
            400,
        ),
        (b'["a list"]', JSON, 400),
        (b'{"author": ["x"]}', JSON, 400),
        (
            b'{"author": "\\ud800"}',
            JSON,
            400,
        ),
        (b"\xc3\x28", JSON, 400),
        (b"[" * 50_000, JSON, 400),
        (b"post=x", {**SITE_HEADERS, "Content-Type": "text/plain"}, 415),
        (
            b"post=x",
            {**SITE_HEADERS, "Content-Type": "multipart/form-data; boundary=x"},
            415,
        ),
        (b"post=x", {**FORM, "Content-Length": "abc"}, 400),
    ],
)
def test_malformed_requests_are_refused(
    client: TestClient, body: bytes, headers: dict[str, str], status: int
) -> None:
    answer = client.post("/comments", content=body, headers=headers)
    assert answer.status_code == status, answer.text
    assert nothing_spooled(client)


def test_oversize_body_is_413(client: TestClient, settings: IntakeSettings) -> None:
    big = json.dumps(form(body="a" * (settings.max_request_bytes + 10))).encode()
    answer = client.post(
        "/comments",
        content=big,
        headers=JSON,
    )
    assert answer.status_code == 413
    assert nothing_spooled(client)


def test_oversize_chunked_body_without_length_is_413(
    client: TestClient, settings: IntakeSettings
) -> None:
    def chunks():  # no Content-Length: the limit applies while reading
        for _ in range(settings.max_request_bytes // 1000 + 5):
            yield b"a" * 1000

    answer = client.post("/comments", content=chunks(), headers=FORM)
    assert answer.status_code == 413


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": "https://blog.example.org.evil.example"},
        {"Origin": "http://blog.example.org"},  # scheme matters
        {"Referer": "https://evil.example/page"},
    ],
)
def test_wrong_origin_is_403(client: TestClient, headers: dict[str, str]) -> None:
    answer = client.post("/comments", json=form(), headers=headers)
    assert answer.status_code == 403
    assert "origin" in answer.json()["errors"]
    assert nothing_spooled(client)


def test_the_service_own_origin_and_the_site_are_allowed(client: TestClient) -> None:
    for origin in (SITE_ORIGIN, "https://comments.example.org"):
        assert (
            client.post(
                "/comments", json=form(), headers={"Origin": origin}
            ).status_code
            == 202
        )


def test_cors_preflight_allows_only_the_site(client: TestClient) -> None:
    ok = client.options(
        "/comments",
        headers={
            "Origin": SITE_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert ok.headers.get("access-control-allow-origin") == SITE_ORIGIN
    bad = client.options(
        "/comments",
        headers={
            "Origin": "https://evil.example",
            "Access-Control-Request-Method": "POST",
        },
    )
    assert bad.status_code == 400
    assert "access-control-allow-origin" not in bad.headers


def test_filled_honeypot_is_refused(client: TestClient) -> None:
    answer = client.post(
        "/comments", data=form(homepage="http://spam.example"), headers=SITE_HEADERS
    )
    assert answer.status_code == 400
    assert nothing_spooled(client)


def test_address_flood_hits_the_rate_limit(settings: IntakeSettings) -> None:
    limited = settings.with_overrides(rate_address=RateLimit(3, 600))
    with service_client(limited) as c:
        codes = [status_of(c) for _ in range(6)]
        assert codes == [202, 202, 202, 429, 429, 429]
        answer = c.post("/comments", data=form(), headers=SITE_HEADERS)
        assert answer.status_code == 429 and int(answer.headers["retry-after"]) > 0
        assert len(c.app.state.service.spool.all_entries()) == 3


def test_post_flood_hits_the_per_post_limit(settings: IntakeSettings) -> None:
    limited = settings.with_overrides(rate_post=RateLimit(2, 3600))
    with service_client(limited) as c:
        codes = [status_of(c) for _ in range(4)]
        assert codes == [202, 202, 429, 429]


def test_bad_idempotency_key_is_400(client: TestClient) -> None:
    answer = client.post(
        "/comments", json=form(), headers={**SITE_HEADERS, "Idempotency-Key": "a\tb"}
    )
    assert answer.status_code == 400


def test_proof_of_work_when_required(settings: IntakeSettings) -> None:
    from intake.guard import Challenge, solve

    with service_client(settings.with_overrides(pow=True, pow_max_number=2000)) as c:
        assert status_of(c) == 400
        raw = c.get("/challenge").json()
        payload = solve(Challenge(**raw))
        assert status_of(c, altcha=payload) == 202
        # A solved challenge counts once.
        assert status_of(c, altcha=payload) == 400
        assert status_of(c, altcha="bm90IGpzb24=") == 400


def test_challenge_is_404_when_proof_of_work_is_off(client: TestClient) -> None:
    assert client.get("/challenge").status_code == 404
