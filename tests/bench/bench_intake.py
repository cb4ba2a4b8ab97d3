"""Benchmark of the intake service on 127.0.0.1 (not a test; run it by hand).

    .venv/bin/python tests/bench/bench_intake.py [--total 2000] [--clients 50]

Starts ``comment-intake`` over a throwaway site repository, sends valid JSON
submissions from concurrent clients, and prints accepted submissions per second
and the p50/p99 latency of the acknowledgements (each one on disk, fsynced),
then how long the worker took to push every branch.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from service.intake_fixtures import (  # noqa: E402
    LoopbackClient,
    free_port,
    make_site_repo,
    start_service,
    wait_healthy,
)


def load(port: int, total: int, clients: int) -> tuple[list[float], float, int]:
    """Send ``total`` submissions from ``clients`` threads; latencies of the 202s."""
    numbers = iter(range(total))
    lock = threading.Lock()
    latencies: list[float] = []
    failures = [0]

    def worker() -> None:
        client = LoopbackClient(port, timeout=30)
        while True:
            with lock:
                n = next(numbers, None)
            if n is None:
                return
            body = {
                "post": "offener-beitrag",
                "author": f"Leser {n}",
                "body": f"Benchmark-Kommentar {n} mit *etwas* Markdown.",
                "consent": True,
            }
            start = time.perf_counter()
            status, _ = client.post_json("/comments", body)
            took = time.perf_counter() - start
            with lock:
                if status == 202:
                    latencies.append(took)
                else:
                    failures[0] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, time.perf_counter() - started, failures[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--total", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--log", default="", help="write the service's log here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-intake-") as tmp:
        root = Path(tmp)
        repo = make_site_repo(root)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start_service(
            repo.work,
            root / "spool.sqlite3",
            port,
            "--rate-address",
            "0/1",
            "--rate-post",
            "0/1",
            log=Path(args.log) if args.log else None,
        )
        try:
            wait_healthy(base)
            latencies, elapsed, failures = load(port, args.total, args.clients)
            push_start = time.perf_counter()
            while (
                wait_healthy(base)["queued"] and time.perf_counter() - push_start < 300
            ):
                time.sleep(0.2)
            pushed = time.perf_counter() - push_start
        finally:
            proc.kill()
            proc.wait(10)
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(
        f"accepted: {len(latencies)} of {args.total} ({failures} refused) "
        f"from {args.clients} clients in {elapsed:.2f}s"
    )
    print(f"accepted/s: {len(latencies) / elapsed:.0f}")
    print(
        f"latency p50: {statistics.median(latencies) * 1000:.1f} ms, "
        f"p99: {p99 * 1000:.1f} ms"
    )
    print(f"all branches pushed {pushed:.1f}s after the last acknowledgement")


if __name__ == "__main__":
    main()
