"""From saving a file to the browser being told to reload (``invoke livereload``).

Starts the real task on a copy of the sample content, connects to its
livereload websocket as the browser's script does, then saves a post several
times and measures, for each save, the time until the rebuilt page is on disk
and until the server sends its ``reload`` command. Usage:
``python tests/bench/bench_livereload.py [--saves 5] [--port 8765]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _wait_port(port: int, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"livereload stopped with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(
                    f"nothing listens on {port} after {timeout} s"
                ) from None
            time.sleep(0.2)


async def _measure(
    port: int, post: Path, page: Path, saves: int
) -> list[tuple[float, float]]:
    from tornado.websocket import websocket_connect

    ws = await websocket_connect(f"ws://127.0.0.1:{port}/livereload")
    await ws.write_message(
        json.dumps(
            {
                "command": "hello",
                "protocols": ["http://livereload.com/protocols/official-7"],
            }
        )
    )
    await ws.read_message()  # the server's hello
    await ws.write_message(
        json.dumps({"command": "info", "url": f"http://127.0.0.1:{port}/"})
    )
    results = []
    original = post.read_text(encoding="utf-8")
    for n in range(saves):
        # livereload ignores changes within 3 s of its last reload; drop late messages.
        quiet_until = time.perf_counter() + 3.5
        while time.perf_counter() < quiet_until:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ws.read_message(), timeout=0.1)
        marker = f"Gespeichert-{n}-{time.time_ns()}"
        start = time.perf_counter()
        post.write_text(original + f"\n{marker}\n", encoding="utf-8")
        on_disk = None
        reloaded = None
        deadline = start + 60
        while reloaded is None or on_disk is None:
            if time.perf_counter() > deadline:
                raise RuntimeError(
                    f"no rebuild within 60 s (on disk {on_disk}, reload {reloaded})"
                )
            if (
                on_disk is None
                and page.exists()
                and marker in page.read_text(encoding="utf-8")
            ):
                on_disk = time.perf_counter() - start
            try:
                message = await asyncio.wait_for(ws.read_message(), timeout=0.01)
            except TimeoutError:
                continue
            if message and json.loads(message).get("command") == "reload":
                reloaded = time.perf_counter() - start
        results.append((on_disk, reloaded))
        print(
            f"save {n + 1}: page on disk after {on_disk:.2f} s, "
            f"reload sent after {reloaded:.2f} s",
            flush=True,
        )
    post.write_text(original, encoding="utf-8")
    ws.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--saves", type=int, default=5)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="diskurs-livereload-"))
    content = work / "content"
    shutil.copytree(ROOT / "content", content)
    out = work / "out"
    env = {
        **os.environ,
        "PYTHONUTF8": "1",
        "DISKURS_CONTENT": str(content),
        "DISKURS_OUTPUT": str(out),
    }
    log = (work / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "invoke", "livereload", "--port", str(args.port)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        env=env,
    )
    try:
        _wait_port(args.port, proc, 300)
        post = content / "posts" / "kommentare-per-pull-request.md"
        page = next(out.rglob("kommentare-per-pull-request/index.html"))
        results = asyncio.run(_measure(args.port, post, page, args.saves))
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
        if os.environ.get("BENCH_KEEP_LOG"):
            print((work / "server.log").read_text(encoding="utf-8")[-5000:])
    disk = statistics.median(r[0] for r in results)
    reload = statistics.median(r[1] for r in results)
    print(
        f"median of {len(results)} saves: page rebuilt after {disk:.2f} s, "
        f"reload sent after {reload:.2f} s (load average {os.getloadavg()[0]:.1f})"
    )
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
