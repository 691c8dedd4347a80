"""Every import runs in a child process with memory and processor limits (import_child).

Through the real console command: a plugin folder with a hostile importer, a real database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from painboard.config import Settings
from painboard.errors import BadInput
from painboard.services import Painboard

from .conftest import VENV_BIN

PLUGIN_HEAD = """
import os, time
from painboard.plugin_api import Importer, Row
from painboard.hookspecs import hookimpl

def _row(i):
    return Row("pain_entry", {"occurred_at": f"2026-11-01T08:{i % 60:02d}:00+00:00", "intensity": i % 11,
                              "note": f"row {i}"}, line=i + 2)

@hookimpl
def register_importers(register):
    register(Importer(name="hostile", label="Hostile", sniff=lambda head, name: name.endswith(".bad"), read=_read))
"""

SWELLS = PLUGIN_HEAD + """
def _read(source):
    yield _row(0)
    hoard = bytearray(2 << 30)  # 2 GB: more than the import may use
    yield _row(1)
"""

SPINS = PLUGIN_HEAD + """
def _read(source):
    yield _row(0)
    while True:
        pass
"""

# Yields 1,000 rows, says it did (its process id, beside the data), then waits to be killed.
STALLS = PLUGIN_HEAD + """
def _read(source):
    for i in range(1000):
        yield _row(i)
    source.path.with_suffix(".started").write_text(str(os.getpid()))
    time.sleep(60)
"""


def _setup(tmp_path, monkeypatch, code: str):
    plugins = tmp_path / "plugins"
    plugins.mkdir(mode=0o700)
    (plugins / "hostile.py").write_text(code)
    (tmp_path / "data.bad").write_text("date,pain\n")
    db = tmp_path / "p.db"
    monkeypatch.setenv("PAINBOARD_LOAD_PLUGINS", "hostile")
    monkeypatch.setenv("PAINBOARD_PLUGINS_DIR", str(plugins))
    monkeypatch.setenv("PAINBOARD_DB", str(db))
    Painboard(Settings.load(db=db)).db.init()
    return db


def _painboard(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(VENV_BIN / "painboard"), *args], capture_output=True, text=True, timeout=120, **kw)


def _entries(db) -> int:
    return Painboard(Settings.load(db=db)).counts()["pain_entry"]


def _import_over(tmp_path, monkeypatch, code: str, limit: str, value: str):
    """Import data.bad with the hostile plugin ``code`` under the limit ``limit=value``: it is
    refused (exit 2) and writes nothing. Returns what it said on stderr."""
    db = _setup(tmp_path, monkeypatch, code)
    monkeypatch.setenv(limit, value)
    r = _painboard("import", "--format", "hostile", str(tmp_path / "data.bad"))
    assert r.returncode == 2, r.stderr
    assert _entries(db) == 0
    return r.stderr


def _stalled_import(tmp_path, monkeypatch):
    """A console import of STALLS, once its child has read 1,000 rows and waits: the database,
    the TMPDIR it was given, the parent process and the child's process id."""
    db = _setup(tmp_path, monkeypatch, STALLS)
    temp = tmp_path / "tmp"
    temp.mkdir()
    proc = subprocess.Popen([str(VENV_BIN / "painboard"), "import", "--format", "hostile", str(tmp_path / "data.bad")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "TMPDIR": str(temp)})
    started = tmp_path / "data.started"
    deadline = time.monotonic() + 60
    while not started.exists() or not started.read_text():
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.02)
    return db, temp, proc, int(started.read_text())


@pytest.mark.slow
def test_an_import_over_its_memory_limit_says_so_and_writes_nothing(fixed_env, tmp_path, monkeypatch):
    err = _import_over(tmp_path, monkeypatch, SWELLS, "PAINBOARD_IMPORT_MEMORY_MB", "1024")
    assert err.strip() == (f"painboard: {tmp_path / 'data.bad'}: reading it needed more than the 1024 MB "
                           "an import may use (PAINBOARD_IMPORT_MEMORY_MB): nothing was written")


@pytest.mark.slow
def test_an_import_over_its_processor_time_says_so_and_writes_nothing(fixed_env, tmp_path, monkeypatch):
    err = _import_over(tmp_path, monkeypatch, SPINS, "PAINBOARD_IMPORT_CPU_SECONDS", "1")
    assert "took more than 1 s of processor time (PAINBOARD_IMPORT_CPU_SECONDS): nothing was written" in err


def test_a_limit_that_is_not_a_number_is_refused(fixed_env, tmp_path, monkeypatch, cli_run):
    monkeypatch.setenv("PAINBOARD_IMPORT_MEMORY_MB", "lots")
    csv = tmp_path / "e.csv"
    csv.write_text("occurred_at,intensity\n2026-11-01T08:00:00+00:00,3\n")
    r = cli_run("import", str(csv))
    assert r.exit_code == 2
    assert "PAINBOARD_IMPORT_MEMORY_MB: 'lots' is not a whole number above 0" in r.stderr


@pytest.mark.system
def test_kill_9_of_the_child_mid_import_leaves_nothing_and_frees_the_file(fixed_env, tmp_path, monkeypatch):
    db, temp, proc, child = _stalled_import(tmp_path, monkeypatch)
    assert child != proc.pid
    # While the plugin reads, the database is not held: another write goes through at once.
    other = Painboard(Settings.load(db=db))
    other.db.retry_seconds = 0.5
    other.log_pain(intensity=2)
    os.kill(child, signal.SIGKILL)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert err.strip() == "painboard: the import stopped (killed): nothing was written"
    assert _entries(db) == 1  # the other session's entry alone
    assert list(temp.iterdir()) == []  # the child's staging file went with its folder
    # The file and its lock queue are free at once: a write from here does not wait as busy.
    other.log_pain(intensity=4)
    assert _entries(db) == 2


@pytest.mark.slow
def test_a_large_csv_import_streams_in_flat_memory(fixed_env, tmp_path, monkeypatch):
    """300,000 rows (24 MB): held in Python until the transaction, the child peaked at 620 MB;
    staged a batch at a time it stays near what the interpreter and DuckDB take anyway."""
    from painboard import import_child

    db = tmp_path / "p.db"
    Painboard(Settings.load(db=db)).db.init()
    rows = 300_000
    csv = tmp_path / "big.csv"
    with open(csv, "w") as fh:
        fh.write("key,occurred_at,intensity,sites,note\n")
        for i in range(rows):
            fh.write(f"k{i},2025-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00+00:00,"
                     f"{i % 11},left hip,row {i}\n")
        fh.write("k0,2025-01-01T00:00:00+00:00,3,,a repeated key: the first row wins\n")
    r = import_child.run({"path": str(csv), "format": "csv", "db": str(db)})
    assert r["read"]["pain_entry"] == rows + 1 and r["added"]["pain_entry"] == rows
    assert r["peak_rss_mb"] < 300, r["peak_rss_mb"]
    pb = Painboard(Settings.load(db=db))
    first = pb.entries()[0]
    assert (first["key"], first["note"], first["intensity"]) == ("k0", "row 0", 0)
    assert pb.counts()["pain_entry"] == rows


@pytest.mark.system
def test_kill_9_of_the_parent_mid_import_ends_the_child_and_leaves_nothing(fixed_env, tmp_path, monkeypatch):
    db, temp, proc, child = _stalled_import(tmp_path, monkeypatch)
    proc.kill()
    proc.wait(30)
    deadline = time.monotonic() + 30
    while os.path.exists(f"/proc/{child}") and open(f"/proc/{child}/stat").read().split()[2] != "Z":
        assert time.monotonic() < deadline, "the child outlived its parent"
        time.sleep(0.02)
    assert list(temp.iterdir()) == []  # the staged rows went with the child
    assert _entries(db) == 0


# -- the child and the test's own process agree ---------------------------------------------
# The importer tests run imports in their own process (/conftest.py: imports_in_process); these
# check that what they see is what the child gives: the same result, rows and refusal.
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "data"


def _both_ways(tmp_path, monkeypatch, path: Path) -> list:
    from painboard.importing import Importing

    seen = []
    for in_child in (True, False):
        monkeypatch.setattr(Importing, "in_child", in_child)
        pb = Painboard(Settings.load(db=tmp_path / f"{path.stem}-{in_child}.db"))
        try:
            r = pb.import_file(path)
            seen.append((r.format, r.read, r.added, r.skipped, pb.entries()))
        except BadInput as exc:
            seen.append((exc.file, exc.line, exc.field, exc.message, pb.counts()))
    return seen


@pytest.mark.slow
@pytest.mark.parametrize("name", ["sample-entries.csv", "bearable-export.csv", "pain-diary-export.csv",
                                  "pain-spreadsheet.csv", "apple-health-export.xml"])
def test_the_child_imports_what_this_process_imports(fixed_env, tmp_path, monkeypatch, name):
    by_child, here = _both_ways(tmp_path, monkeypatch, EXAMPLES / name)
    assert sum(by_child[2].values()) > 0, by_child  # rows were added: not two empty answers alike
    assert by_child == here


@pytest.mark.slow
def test_the_childs_refusal_is_this_process_refusal(fixed_env, tmp_path, monkeypatch):
    by_child, here = _both_ways(tmp_path, monkeypatch, EXAMPLES / "bad-entries.csv")
    assert by_child[:3] == (str(EXAMPLES / "bad-entries.csv"), 3, "intensity")
    assert by_child[4]["pain_entry"] == 0
    assert by_child == here
