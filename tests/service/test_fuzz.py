"""Property-based fuzz of POST /comments: whatever arrives, the answer is never a
5xx, and every file the worker writes lies in content/comments/<known slug>/."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from intake.config import IntakeSettings, RateLimit
from intake.submission import FIELDS
from service.intake_fixtures import (
    SITE_ORIGIN,
    SiteRepo,
    branch_names,
    drain,
    form,
    service_client,
)

KNOWN = ["offener-beitrag", "geschlossener-beitrag", "ohne-kommentare", "entwurf"]
NASTY = [
    "../",
    "..\\",
    "/etc/passwd",
    "%2e%2e%2f",
    "\x00",
    "\r\n",
    "\u2028",
    "\ud800",
    "~",
    "offener-beitrag/../../x",
    "brehm-1",
    "nowak-1",
    "COM1",
    ".git",
    "-rf",
    "--upload-pack=x",
    "a" * 300,
    "🙂",
    "\ufeff",
    "<script>",
    "{{7*7}}",
    "%(x)s",
    "${x}",
    "' OR 1=1 --",
]

text = st.one_of(
    st.sampled_from(NASTY + KNOWN),
    st.text(max_size=60),
    st.builds(lambda a, b: a + b, st.sampled_from(NASTY + KNOWN), st.text(max_size=20)),
)
keys = st.one_of(st.sampled_from(sorted(FIELDS)), st.text(max_size=12))
field_maps = st.dictionaries(keys, text, max_size=10)
valid_with_changes = st.builds(
    lambda changes: {**form(), **changes},
    st.dictionaries(
        st.sampled_from(["post", "parent", "author", "body", "website", "email"]),
        text,
        max_size=3,
    ),
)
origins = st.sampled_from([SITE_ORIGIN, None, "https://evil.example", "null"])
encodings = st.sampled_from(["json", "form", "raw"])


def encode(kind: str, fields: dict[str, str], raw: bytes) -> tuple[bytes, str]:
    if kind == "json":
        return json.dumps(fields).encode("utf-8", "surrogatepass"), "application/json"
    if kind == "form":
        from urllib.parse import urlencode

        return urlencode(
            fields, encoding="utf-8", errors="surrogatepass"
        ).encode(), "application/x-www-form-urlencoded"
    return raw, "application/x-www-form-urlencoded"


def test_fuzz_never_5xx_and_never_a_file_outside_its_thread(
    site_repo: SiteRepo, settings: IntakeSettings
) -> None:
    # No rate limits: every example must reach the checks behind them.
    config = settings.with_overrides(
        rate_address=RateLimit(0, 1), rate_post=RateLimit(0, 1)
    )
    statuses: set[int] = set()
    with service_client(config, raise_server_exceptions=False) as client:

        @hsettings(
            max_examples=300,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        )
        @given(
            st.one_of(field_maps, valid_with_changes),
            encodings,
            st.binary(max_size=200),
            origins,
        )
        def one_request(
            fields: dict[str, str], kind: str, raw: bytes, origin: str | None
        ) -> None:
            body, ctype = encode(kind, fields, raw)
            headers = {"Content-Type": ctype}
            if origin:
                headers["Origin"] = origin
            answer = client.post(
                "/comments", content=body, headers=headers, follow_redirects=False
            )
            statuses.add(answer.status_code)
            assert answer.status_code < 500, answer.text
            assert answer.status_code in {202, 303, 400, 403, 413, 415, 422, 429}

        one_request()
        drain(client)
        entries = client.app.state.service.spool.all_entries()
    assert 400 in statuses and 422 in statuses and statuses & {202, 303}
    # Every branch, not only those under comments/: none may be made elsewhere.
    branches = [b for b in branch_names(site_repo.remote, "refs/heads/") if b != "main"]
    assert len(branches) == len(entries)
    for branch in branches:
        parts = branch.split("/")
        assert (
            parts[0] == "comments" and parts[1] == "offener-beitrag" and len(parts) == 3
        )
        assert site_repo.files_in(branch) == [
            f"content/comments/offener-beitrag/{parts[2]}.yaml"
        ]
