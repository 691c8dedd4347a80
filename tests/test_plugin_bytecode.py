"""A plugin folder is loaded from its checked .py files only (issue 17 item 11): a .pyc planted
in its __pycache__ never runs, and loading writes no bytecode cache there."""

from __future__ import annotations

import importlib.util
import marshal
import struct

from click.testing import CliRunner

from painboard.cli import cli

SOURCE = '''
import click
from painboard.plugin_api import hookimpl


@hookimpl
def register_commands(cli):
    @cli.command()
    def hello():
        """Say hello from a plugin."""
        click.echo("hello from the checked source")
'''

PLANTED = SOURCE.replace("hello from the checked source", "PLANTED BYTECODE RAN")


def _plant_pyc(py, text: str) -> None:
    """A .pyc whose header matches py's mtime and size, so a normal import would trust it."""
    st = py.stat()
    code = compile(text, str(py), "exec")
    cache = importlib.util.cache_from_source(str(py))  # __pycache__/hello_cmd.cpython-3XX.pyc
    data = importlib.util.MAGIC_NUMBER + struct.pack("<III", 0, int(st.st_mtime) & 0xFFFFFFFF,
                                                     st.st_size & 0xFFFFFFFF) + marshal.dumps(code)
    import os

    os.makedirs(os.path.dirname(cache), mode=0o700, exist_ok=True)
    with open(cache, "wb") as f:
        f.write(data)


def test_planted_pyc_does_not_run(tmp_path):
    folder = tmp_path / "plugins"
    folder.mkdir(mode=0o700)
    py = folder / "hello_cmd.py"
    py.write_text(SOURCE)
    _plant_pyc(py, PLANTED)
    env = {"PAINBOARD_LOAD_PLUGINS": None}
    r = CliRunner().invoke(cli, ["--db", str(tmp_path / "p.db"), "--plugins-dir", str(folder), "hello"], env=env)
    assert r.exit_code == 0, r.output
    assert r.output == "hello from the checked source\n"


def test_loading_writes_no_bytecode_cache(tmp_path):
    """Through the real command in a process that would write bytecode (no PYTHONDONTWRITEBYTECODE)."""
    import os
    import subprocess
    import sys

    folder = tmp_path / "plugins"
    folder.mkdir(mode=0o700)
    (folder / "hello_cmd.py").write_text(SOURCE)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PAINBOARD_LOAD_PLUGINS")}
    r = subprocess.run([sys.executable, "-m", "painboard", "--db", str(tmp_path / "p.db"),
                        "--plugins-dir", str(folder), "hello"], env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0 and r.stdout == "hello from the checked source\n", r.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["hello_cmd.py"]
