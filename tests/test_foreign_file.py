"""Another application's DuckDB file given as the database is refused untouched (issue 17
item 7): no painboard tables added, its bytes, mode and time unchanged, nothing left beside it."""

from __future__ import annotations

import hashlib
import os

import duckdb
import pytest

from .conftest import refused

pytestmark = pytest.mark.usefixtures("fixed_env")


def _state(folder):
    out = {}
    for p in sorted(folder.iterdir()):
        st = p.stat()
        out[p.name] = (hashlib.sha256(p.read_bytes()).hexdigest(), oct(st.st_mode), st.st_mtime_ns)
    return out


@pytest.fixture
def other_app_file(tmp_path):
    folder = tmp_path / "other"
    folder.mkdir()
    path = folder / "inventory.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE orders (id INTEGER, item VARCHAR)")
    con.execute("INSERT INTO orders VALUES (1, 'bolts'), (2, 'nuts')")
    con.execute("CREATE VIEW big_orders AS SELECT * FROM orders WHERE id > 1")
    con.close()
    os.chmod(path, 0o644)
    os.utime(path, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    return path


@pytest.mark.parametrize("args", [("entries",), ("--read-only", "entries"), ("log", "5"), ("check",),
                                  ("metrics",)])
def test_other_applications_file_is_refused_untouched(cli_run, other_app_file, args):
    before = _state(other_app_file.parent)
    if args[0] == "--read-only":
        r = cli_run("--db", str(other_app_file), *args)  # later --db wins: same file
    else:
        r = cli_run(*args, db=other_app_file)
    refused(r, 1, str(other_app_file), "is not a painboard database", "orders", "left untouched")
    assert _state(other_app_file.parent) == before
    con = duckdb.connect(str(other_app_file), read_only=True)
    tables = sorted(r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall())
    con.close()
    assert tables == ["big_orders", "orders"]


def test_backup_of_other_applications_file_is_refused(cli_run, other_app_file, tmp_path):
    before = _state(other_app_file.parent)
    refused(cli_run("backup", str(tmp_path / "copy.db"), db=other_app_file), 1, "is not a painboard database")
    assert _state(other_app_file.parent) == before
    assert not list(tmp_path.glob("*copy.db*"))
