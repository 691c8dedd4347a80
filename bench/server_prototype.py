"""Throwaway prototype, not used by painboard: a per-database server process (issue 9, part 6).

One process owns the database: it keeps the file attached for its whole life (so DuckDB's
buffer cache stays warm and no unit of work attaches, checkpoints or detaches) and answers
requests over a Unix socket. The faces would be its clients. This file only measures that
design against today's path (the file attached for each unit of work) and writes no product
code.

    python bench/server_prototype.py DB [--n 15] [--json]

DB is copied twice into a private temporary folder (the server takes one copy, the direct path
the other: the server holds the file lock, so both cannot use one file). Figures, medians of
interleaved runs (server, direct, server, direct ...):

- round trip: an empty request through the socket;
- refresh: Painboard.snapshot for a 30-day and an all-time range, the server's reply pickled
  and unpickled as a client would need it;
- log: Painboard.log_pain of one entry (one write unit of work);
- startup: from spawning the server to its first answer, against the direct path's first
  snapshot in a fresh process;
- busy: what another process (a CLI command, a second session) meets while the server runs;
- kill -9: the server killed right after a committed log; the entry is there on the next open.

The wire format is pickle because both ends are this file; a real server would need a format
that does not execute what it reads.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_LEN = struct.Struct("!I")


def _send(sock: socket.socket, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    sock.sendall(_LEN.pack(len(data)) + data)


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("the other end closed the socket")
        buf += chunk
    return bytes(buf)


def _recv(sock: socket.socket):
    (n,) = _LEN.unpack(_recv_exact(sock, _LEN.size))
    return pickle.loads(_recv_exact(sock, n))


# -- the server ---------------------------------------------------------------------------------
def serve(db: str, sock_path: str) -> None:
    """Own the file (attached once, for the process's life) and answer one client at a time."""
    from painboard.config import Settings
    from painboard.services import Painboard

    pb = Painboard(Settings.load(db=db))
    pb.registry  # plugins loaded before the file is held
    with pb.db.session():  # every unit of work below nests in it and shares the attachment
        pb.snapshot(30)  # migrations checked, caches warm
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o077)
        try:
            srv.bind(sock_path)
        finally:
            os.umask(old)
        srv.listen(8)
        print("ready", flush=True)
        while True:
            conn, _ = srv.accept()
            with conn:
                while True:
                    try:
                        op, arg = _recv(conn)
                    except EOFError:
                        break
                    if op == "ping":
                        _send(conn, None)
                    elif op == "snapshot":
                        _send(conn, pb.snapshot(arg))
                    elif op == "log":
                        _send(conn, pb.log_pain(intensity=arg).id)
                    elif op == "stop":
                        _send(conn, None)
                        return


class Client:
    def __init__(self, sock_path: str):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(sock_path)

    def call(self, op: str, arg=None):
        _send(self.sock, (op, arg))
        return _recv(self.sock)

    def close(self) -> None:
        self.sock.close()


def start_server(db: Path, sock_path: str) -> tuple[subprocess.Popen, float]:
    """Spawn a server; returns it and the seconds until it answered its first request."""
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, "--serve", str(db), sock_path],
                            stdout=subprocess.PIPE, text=True)
    if proc.stdout.readline().strip() != "ready":
        raise RuntimeError("the server did not start")
    c = Client(sock_path)
    c.call("ping")
    c.close()
    return proc, time.perf_counter() - t


# -- the measurement ----------------------------------------------------------------------------
def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _direct_first_snapshot(db: Path) -> float:
    """A fresh process's imports, first attach and first snapshot (what a face pays today)."""
    code = ("import time; t = time.perf_counter()\n"
            "from painboard.config import Settings\nfrom painboard.services import Painboard\n"
            f"pb = Painboard(Settings.load(db={str(db)!r})); pb.snapshot(30)\n"
            "print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def measure(src: Path, n: int) -> dict:
    from painboard.config import Settings
    from painboard.errors import DatabaseBusy
    from painboard.services import Painboard

    work = Path(tempfile.mkdtemp(prefix="painboard-server-"))
    try:
        served, direct = work / "served.db", work / "direct.db"
        shutil.copyfile(src, served)
        shutil.copyfile(src, direct)
        sock_path = str(work / "pb.sock")
        proc, startup = start_server(served, sock_path)
        client = Client(sock_path)
        pb = Painboard(Settings.load(db=direct))
        pb.snapshot(30)
        pb.snapshot(None)  # the rollup zone is filled in both copies before timing

        client.call("snapshot", None)
        fns = {
            "round_trip": lambda: client.call("ping"),
            "server_refresh_30": lambda: client.call("snapshot", 30),
            "direct_refresh_30": lambda: pb.snapshot(30),
            "server_refresh_all": lambda: client.call("snapshot", None),
            "direct_refresh_all": lambda: pb.snapshot(None),
            "server_log": lambda: client.call("log", 4),
            "direct_log": lambda: pb.log_pain(intensity=4),
        }
        times: dict[str, list[float]] = {k: [] for k in fns}
        for _ in range(n):
            for k, fn in fns.items():
                times[k].append(_timed(fn))
        out = {k: round(statistics.median(v) * 1000, 2) for k, v in times.items()}
        out["server_startup"] = round(startup * 1000, 1)
        out["direct_first_snapshot"] = round(_direct_first_snapshot(direct) * 1000, 1)

        # Another process while the server holds the file: it waits in the file's queue for its
        # retry time, then is refused (a CLI command, a second session, a backup).
        other = Painboard(Settings.load(db=served))
        other.db.retry_seconds = 1.0
        t = time.perf_counter()
        try:
            other.db.revision(retry=True)
            out["other_process"] = "opened"
        except DatabaseBusy:
            out["other_process"] = f"refused after {time.perf_counter() - t:.2f} s (retry 1 s)"

        # kill -9 right after a committed write: the entry is in the WAL and comes back.
        entry_id = client.call("log", 7)
        client.close()
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        after = Painboard(Settings.load(db=served))
        t = time.perf_counter()
        row = after.entry(entry_id)
        out["kill9_entry_kept"] = row["intensity"] == 7
        out["kill9_reopen_ms"] = round((time.perf_counter() - t) * 1000, 1)
        out["load"] = round(os.getloadavg()[0], 2)
        out["n"] = n
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        serve(sys.argv[2], sys.argv[3])
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("db", type=Path)
    ap.add_argument("--n", type=int, default=15)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    out = measure(a.db, a.n)
    if a.json:
        print(json.dumps(out, indent=2))
    else:
        for k, v in out.items():
            print(f"{k:24s} {v}")


if __name__ == "__main__":
    main()
