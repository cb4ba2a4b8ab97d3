"""The durable queue between "accepted" and "pushed": one SQLite file.

A submission is acknowledged only after its row is committed with WAL and
``synchronous=FULL``, so a crash (even SIGKILL or power loss) after the answer
cannot lose it. Its id and branch name are fixed in that row, which is what
makes the worker idempotent: a retry after a crash reuses the same branch.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS submission (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL,
    branch TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    content TEXT NOT NULL,
    author TEXT NOT NULL,
    received REAL NOT NULL,
    lang TEXT,
    return_url TEXT,
    idem_key TEXT UNIQUE,
    state TEXT NOT NULL DEFAULT 'queued',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try REAL NOT NULL DEFAULT 0,
    last_error TEXT,
    pushed_at REAL
);
CREATE INDEX IF NOT EXISTS submission_due ON submission(state, next_try);
CREATE INDEX IF NOT EXISTS submission_slug ON submission(slug, received);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS used_challenge (challenge TEXT PRIMARY KEY, expires REAL NOT NULL);
"""

QUEUED = "queued"
PUSHED = "pushed"


@dataclass(frozen=True, slots=True)
class Entry:
    """One accepted submission as the spool keeps it."""

    id: str
    slug: str
    branch: str
    path: str
    content: str  # the YAML file, exactly as it will be committed
    author: str
    received: float  # UNIX time of receipt
    lang: str | None = None
    return_url: str | None = None
    idem_key: str | None = None
    state: str = QUEUED
    attempts: int = 0
    last_error: str | None = None

    @property
    def received_at(self) -> datetime:
        return datetime.fromtimestamp(self.received, UTC)


_COLUMNS = (
    "id, slug, branch, path, content, author, received, lang, return_url, idem_key, "
    "state, attempts, last_error"
)


class Spool:
    """Thread-safe access to the spool file; every method blocks (use a thread)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # FULL: the WAL is fsynced at every commit, so an answer means "on disk".
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=10000")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _row(self, row: tuple[object, ...] | None) -> Entry | None:
        return Entry(*row) if row else None  # type: ignore[arg-type]

    def add(self, make: Callable[[], Entry]) -> tuple[Entry, bool]:
        """Store one new entry (see ``add_batch``); ``(entry, created)``."""
        ((entry, created),) = self.add_batch([(make, None)])
        assert entry is not None
        return entry, created

    def add_batch(
        self, requests: list[tuple[Callable[[], Entry], tuple[int, float] | None]]
    ) -> list[tuple[Entry | None, bool]]:
        """Store several entries in one transaction: one fsync for all (group commit).

        Each request is ``(make, limit)``; ``limit = (count, since)`` refuses an
        entry whose post already has ``count`` entries received since ``since``
        (result ``(None, False)``). A known idempotency key gives the stored
        entry back, ``(entry, False)``; a new entry gives ``(entry, True)``.
        """
        results: list[tuple[Entry | None, bool]] = []
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for make, limit in requests:
                    results.append(self._add_one(make, limit))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return results

    def _add_one(
        self, make: Callable[[], Entry], limit: tuple[int, float] | None
    ) -> tuple[Entry | None, bool]:
        for _ in range(8):
            entry = make()
            if entry.idem_key is not None:
                known = self._row(
                    self._db.execute(
                        f"SELECT {_COLUMNS} FROM submission WHERE idem_key = ?",  # noqa: S608
                        (entry.idem_key,),
                    ).fetchone()
                )
                if known is not None:
                    return known, False
            if limit is not None:
                count, since = limit
                (recent,) = self._db.execute(
                    "SELECT COUNT(*) FROM submission WHERE slug = ? AND received >= ?",
                    (entry.slug, since),
                ).fetchone()
                if recent >= count:
                    return None, False
            try:
                self._db.execute(
                    "INSERT INTO submission (id, slug, branch, path, content, author, "
                    "received, lang, return_url, idem_key) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (
                        entry.id,
                        entry.slug,
                        entry.branch,
                        entry.path,
                        entry.content,
                        entry.author,
                        entry.received,
                        entry.lang,
                        entry.return_url,
                        entry.idem_key,
                    ),
                )
            except sqlite3.IntegrityError:
                continue  # the id was taken in the same second: draw another suffix
            return entry, True
        raise RuntimeError("could not find a free comment id")

    def get(self, entry_id: str) -> Entry | None:
        with self._lock:
            return self._row(
                self._db.execute(
                    f"SELECT {_COLUMNS} FROM submission WHERE id = ?",  # noqa: S608
                    (entry_id,),
                ).fetchone()
            )

    def due(self, limit: int, now: float | None = None) -> list[Entry]:
        """Queued entries whose next try is due, oldest first."""
        moment = time.time() if now is None else now
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM submission WHERE state = ? AND next_try <= ? "  # noqa: S608
                "ORDER BY received, id LIMIT ?",
                (QUEUED, moment, limit),
            ).fetchall()
        return [Entry(*r) for r in rows]

    def mark_pushed(self, ids: list[str]) -> None:
        now = time.time()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany(
                "UPDATE submission SET state = ?, pushed_at = ?, last_error = NULL WHERE id = ?",
                [(PUSHED, now, i) for i in ids],
            )
            self._db.execute("COMMIT")

    def mark_failed(
        self, ids: list[str], error: str, delay: Callable[[int], float]
    ) -> None:
        """Record a failed attempt; ``delay(attempts)`` sets when to try again."""
        now = time.time()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            for entry_id in ids:
                row = self._db.execute(
                    "SELECT attempts FROM submission WHERE id = ?", (entry_id,)
                ).fetchone()
                attempts = (row[0] if row else 0) + 1
                self._db.execute(
                    "UPDATE submission SET attempts = ?, next_try = ?, last_error = ? WHERE id = ?",
                    (attempts, now + delay(attempts), error[:2000], entry_id),
                )
            self._db.execute("COMMIT")

    def count_since(self, slug: str, since: float) -> int:
        with self._lock:
            row = self._db.execute(
                "SELECT COUNT(*) FROM submission WHERE slug = ? AND received >= ?",
                (slug, since),
            ).fetchone()
        return int(row[0])

    def stats(self) -> dict[str, object]:
        """Counts per state, failed attempts and the age of the oldest queued entry."""
        with self._lock:
            counts = dict(
                self._db.execute(
                    "SELECT state, COUNT(*) FROM submission GROUP BY state"
                ).fetchall()
            )
            oldest, retrying = self._db.execute(
                "SELECT MIN(received), SUM(attempts > 0) FROM submission WHERE state = ?",
                (QUEUED,),
            ).fetchone()
        return {
            "queued": int(counts.get(QUEUED, 0)),
            "pushed": int(counts.get(PUSHED, 0)),
            "retrying": int(retrying or 0),
            "oldest_queued_seconds": round(time.time() - oldest, 1) if oldest else 0,
        }

    def all_entries(self) -> list[Entry]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM submission ORDER BY received, id"  # noqa: S608
            ).fetchall()
        return [Entry(*r) for r in rows]

    def secret(self) -> bytes:
        """The service's HMAC key, made once per spool and kept in it."""
        with self._lock:
            row = self._db.execute(
                "SELECT value FROM meta WHERE key = 'secret'"
            ).fetchone()
            if row:
                return bytes.fromhex(row[0])
            value = secrets.token_hex(32)
            self._db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('secret', ?)", (value,)
            )
            row = self._db.execute(
                "SELECT value FROM meta WHERE key = 'secret'"
            ).fetchone()
            return bytes.fromhex(row[0])

    def use_challenge(self, challenge: str, expires: float) -> bool:
        """Mark a solved challenge used; False when it was used before."""
        with self._lock:
            self._db.execute(
                "DELETE FROM used_challenge WHERE expires < ?", (time.time(),)
            )
            try:
                self._db.execute(
                    "INSERT INTO used_challenge (challenge, expires) VALUES (?, ?)",
                    (challenge, expires),
                )
            except sqlite3.IntegrityError:
                return False
            return True

    def forget_text(self, older_than: float) -> int:
        """Drop the text of pushed entries after a while: the repository has it.

        Id, branch and idempotency key stay, so a late retry still finds them.
        """
        with self._lock:
            cursor = self._db.execute(
                "UPDATE submission SET content = '', author = '', return_url = NULL "
                "WHERE state = ? AND pushed_at < ? AND content != ''",
                (PUSHED, older_than),
            )
            return cursor.rowcount
