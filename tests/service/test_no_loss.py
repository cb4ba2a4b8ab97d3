"""No loss under load and a crash: 2,000 submissions from 50 concurrent clients on
127.0.0.1; the service is killed with SIGKILL midway and started again. Every
acknowledged submission ends as exactly one file on exactly one branch."""

from __future__ import annotations

import re
import subprocess
import threading
import time
from pathlib import Path

import pytest
from service.intake_fixtures import (
    LoopbackClient,
    SiteRepo,
    branch_names,
    free_port,
    start_service,
    wait_healthy,
)

TOTAL = 2000
CLIENTS = 50
KILL_AFTER = 700  # acknowledged submissions before the SIGKILL
DEADLINE = 240.0  # seconds for the whole run


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_no_acknowledged_submission_is_lost_or_doubled(
    tmp_path: Path, site_repo: SiteRepo
) -> None:
    spool = tmp_path / "spool" / "spool.sqlite3"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "service.log"
    args = ("--rate-address", "0/1", "--rate-post", "0/1")
    proc = start_service(site_repo.work, spool, port, *args, log=log)
    acked: dict[int, str] = {}
    killed = {"done": False, "at": 0}
    try:
        wait_healthy(base)

        numbers = iter(range(TOTAL))
        lock = threading.Lock()
        stop = time.monotonic() + DEADLINE

        def one_client() -> None:
            nonlocal proc
            client = LoopbackClient(port)
            while time.monotonic() < stop:
                with lock:
                    n = next(numbers, None)
                if n is None:
                    return
                payload = {
                    "post": "offener-beitrag",
                    "author": f"Leser {n}",
                    "body": f"Lastprobe Nummer load-{n:05d}-end.",
                    "consent": True,
                }
                while time.monotonic() < stop:
                    try:  # a retry after a lost answer carries the same key
                        status, answer = client.post_json(
                            "/comments",
                            payload,
                            {"Idempotency-Key": f"load-test-{n:05d}"},
                        )
                    except OSError:
                        time.sleep(0.05)
                        continue
                    assert status == 202, answer
                    with lock:
                        acked[n] = answer["id"]
                        kill = len(acked) >= KILL_AFTER and not killed["done"]
                        if kill:
                            killed["done"] = True
                            killed["at"] = len(acked)
                            proc.kill()  # SIGKILL: no shutdown, no flush
                            proc.wait(10)
                            proc = start_service(
                                site_repo.work, spool, port, *args, log=log
                            )
                    break

        started = time.monotonic()
        threads = [threading.Thread(target=one_client) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        assert killed["done"]
        assert len(acked) == TOTAL, f"only {len(acked)} acknowledged in {elapsed:.0f}s"
        # Let the worker push everything that was acknowledged.
        deadline = time.monotonic() + 180
        while True:
            health = wait_healthy(base)
            if health["queued"] == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert health["queued"] == 0, health
    finally:
        proc.kill()
        proc.wait(10)

    refs = branch_names(site_repo.remote)
    assert len(refs) == len(set(refs))
    # Read every branch's comment file in one git process.
    wanted = "".join(
        f"{r}:content/comments/offener-beitrag/{r.rsplit('/', 1)[1]}.yaml\n"
        for r in refs
    )
    batch = subprocess.run(
        ["git", "cat-file", "--batch"],
        cwd=site_repo.remote,
        input=wanted.encode(),
        capture_output=True,
        check=True,
    ).stdout.decode()
    assert "missing" not in batch
    seen: dict[int, list[str]] = {}
    for match in re.finditer(r"load-(\d{5})-end", batch):
        seen.setdefault(int(match.group(1)), []).append(match.group(0))
    assert sorted(seen) == sorted(acked), "a submission is missing or unexpected"
    assert all(len(v) == 1 for v in seen.values()), "a submission was written twice"
    assert sorted(refs) == sorted(
        f"comments/offener-beitrag/{i}" for i in acked.values()
    )
    # One file per branch: a sample of branches, each changes exactly its own file.
    for ref in refs[:: max(1, len(refs) // 25)]:
        assert site_repo.files_in(ref) == [
            f"content/comments/offener-beitrag/{ref.rsplit('/', 1)[1]}.yaml"
        ]
    print(
        f"{TOTAL} submissions acknowledged in {elapsed:.1f}s with a SIGKILL after "
        f"{killed['at']}; {len(refs)} branches, none missing, none doubled"
    )
