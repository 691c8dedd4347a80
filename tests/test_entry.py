"""The `painboard` command opens the dashboard without loading the CLI (issue 22), and hands
everything else to the CLI unchanged."""

from __future__ import annotations

import subprocess
import sys

from painboard.entry import dashboard_options


def test_the_dashboard_alone_is_recognised_with_its_own_options(tmp_path):
    db = str(tmp_path / "p.db")
    assert dashboard_options([], env={}) == {}
    assert dashboard_options(["--db", db, "--read-only"], env={}) == {"db": db, "read_only": True}
    assert dashboard_options([f"--db={db}"], env={}) == {"db": db}
    assert dashboard_options(["--plugins-dir", str(tmp_path)], env={}) == {"plugins_dir": str(tmp_path)}


def test_anything_else_goes_to_the_cli(tmp_path):
    for args in (["log", "5"], ["--help"], ["-h"], ["--version"], ["--db"], ["--db", "--read-only"],
                 ["--db="], ["--read-only", "entries"], ["--bd", "x"]):
        assert dashboard_options(args, env={}) is None, args
    assert dashboard_options([], env={"_PAINBOARD_COMPLETE": "bash_source"}) is None  # completion
    assert dashboard_options(["--db", str(tmp_path)], env={}) is None  # a folder: the CLI says so
    assert dashboard_options([], env={"PAINBOARD_DB": str(tmp_path)}) is None
    assert dashboard_options(["--plugins-dir", str(tmp_path / "none")], env={}) is None  # it warns


def test_the_dashboard_path_loads_no_cli_and_still_needs_a_terminal(tmp_path):
    code = ("import sys; from painboard.entry import main\n"
            f"sys.argv = ['painboard', '--db', {str(tmp_path / 'p.db')!r}]\n"
            "try:\n    main()\nexcept SystemExit as e:\n"
            "    print(e.code, 'painboard.cli' in sys.modules, 'click' in sys.modules, file=sys.stderr)\n")
    out = subprocess.run([sys.executable, "-c", code], stdin=subprocess.DEVNULL, capture_output=True,
                         text=True, timeout=60)
    assert "the dashboard needs a terminal" in out.stderr
    assert out.stderr.strip().splitlines()[-1] == "2 False False"
    assert not (tmp_path / "p.db").exists()  # nothing created on the way out
