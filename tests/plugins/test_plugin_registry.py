"""Discovery, isolation and the hook documentation."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from painboard import hookspecs
from painboard.cli import cli
from painboard.plugins import Metric, MetricValue, PluginError, load_registry

from .conftest import REPO, fake_plugin, make_pb

BUILTINS = ["builtin.csv", "builtin.json", "builtin.parquet", "builtin.markdown", "builtin.metrics", "builtin.figures",
            "builtin.html", "builtin.ical", "builtin.bearable", "builtin.paindiary", "builtin.applehealth",
            "builtin.generic_csv", "builtin.notify"]


def test_builtins_and_the_fhir_package_are_listed(tmp_path):
    reg = load_registry(tmp_path / "none")
    names = [p.name for p in reg.plugins]
    assert names[:len(BUILTINS)] == BUILTINS
    assert "fhir" in names
    fhir = reg.info("fhir")
    assert fhir.source == "entry point" and fhir.registers == {"importers": ["fhir"], "exporters": ["fhir"]}
    assert sorted(reg.exporters) == ["csv", "fhir", "html", "ical", "json", "markdown", "parquet"]
    assert sorted(reg.importers) == ["applehealth", "bearable", "csv", "fhir", "generic-csv", "json", "paindiary"]
    from painboard.builtin.figures import METRICS as FIGURES
    from painboard.builtin.metrics import METRICS
    assert len(reg.metrics) == len(METRICS) + len(FIGURES)
    assert sorted(reg.notifiers) == ["apprise", "terminal"]


def test_load_plugins_env_chooses(tmp_path, plugin_dir):
    (plugin_dir / "one.py").write_text(EXAMPLE_METRIC.format(name="one"))
    (plugin_dir / "two.py").write_text(EXAMPLE_METRIC.format(name="two"))
    reg = load_registry(plugin_dir, env={"PAINBOARD_LOAD_PLUGINS": "two"})
    assert [p.name for p in reg.plugins] == BUILTINS + ["two"]
    reg = load_registry(plugin_dir, env={"PAINBOARD_LOAD_PLUGINS": ""})
    assert [p.name for p in reg.plugins] == BUILTINS
    reg = load_registry(plugin_dir, env={})
    assert {"one", "two", "fhir"} <= {p.name for p in reg.plugins}
    assert {"one", "two"} <= set(reg.metrics)


EXAMPLE_METRIC = '''
from painboard.plugins import Metric, MetricValue, hookimpl

@hookimpl
def register_metrics(register):
    register(Metric(name="{name}", label="{name}", compute=lambda v: MetricValue(value=1, text="one")))
'''


def test_broken_files_are_reported_and_the_rest_works(tmp_path, plugin_dir):
    (plugin_dir / "syntax.py").write_text("def oops(:\n")
    (plugin_dir / "raises.py").write_text("raise RuntimeError('no config file')\n")
    (plugin_dir / "exits.py").write_text("import sys\nsys.exit(3)\n")
    (plugin_dir / "typo.py").write_text(
        "from painboard.plugins import hookimpl\n@hookimpl\ndef register_metric(register):\n    pass\n")
    (plugin_dir / "good.py").write_text(EXAMPLE_METRIC.format(name="good"))
    reg = load_registry(plugin_dir, env={})
    err = {p.name: p.error for p in reg.plugins}
    assert err["syntax"].startswith("load: SyntaxError") and "line 1" in err["syntax"]
    assert "RuntimeError: no config file" in err["raises"]
    assert "SystemExit" in err["exits"]
    assert err["good"] is None and "good" in reg.metrics
    typo = reg.info("typo")
    assert typo.error is None
    assert typo.warnings == ["unknown hook 'register_metric'; did you mean 'register_metrics'?"]

    # the CLI: plugins lists them, entries still works, metrics includes the good one
    pb = make_pb(tmp_path, plugins_dir=plugin_dir)
    pb.log_pain(intensity=3)
    r = CliRunner().invoke(cli, ["--db", str(pb.db.path), "--plugins-dir", str(plugin_dir), "plugins", "--json"])
    assert r.exit_code == 0, r.output
    listed = {p["name"]: p for p in json.loads(r.output)}
    assert "SyntaxError" in listed["syntax"]["error"] and listed["good"]["registers"] == {"metrics": ["good"]}
    r = CliRunner().invoke(cli, ["--db", str(pb.db.path), "--plugins-dir", str(plugin_dir), "entries", "--json"])
    assert r.exit_code == 0 and [e["intensity"] for e in json.loads(r.output)] == [3]
    r = CliRunner().invoke(cli, ["--db", str(pb.db.path), "--plugins-dir", str(plugin_dir), "metrics", "--json"])
    got = {m["name"]: m for m in json.loads(r.output)}
    assert got["good"]["value"] == 1 and got["average-pain"]["value"] == 3.0


def test_strict_mode_makes_failures_errors(plugin_dir):
    (plugin_dir / "typo.py").write_text(
        "from painboard.plugins import hookimpl\n@hookimpl\ndef register_metric(register):\n    pass\n")
    with pytest.raises(PluginError, match="register_metric"):
        load_registry(plugin_dir, env={"PAINBOARD_STRICT_PLUGINS": "1"})
    (plugin_dir / "typo.py").unlink()
    (plugin_dir / "syntax.py").write_text("def oops(:\n")
    with pytest.raises(PluginError, match="SyntaxError"):
        load_registry(plugin_dir, env={"PAINBOARD_STRICT_PLUGINS": "1"})


@pytest.mark.skipif(os.geteuid() == 0 and False, reason="")
def test_world_or_group_writable_folder_is_refused(plugin_dir):
    (plugin_dir / "good.py").write_text(EXAMPLE_METRIC.format(name="good"))
    for mode in (0o777, 0o770, 0o702):
        os.chmod(plugin_dir, mode)
        reg = load_registry(plugin_dir, env={})
        refused = reg.plugins[-1]
        assert refused.source == "folder" and refused.name == "plugins"
        assert refused.error.startswith("refused:") and f"{mode:04o}" in refused.error
        assert "good" not in reg.metrics
    os.chmod(plugin_dir, 0o700)
    os.chmod(plugin_dir / "good.py", 0o666)
    reg = load_registry(plugin_dir, env={})
    assert "refused" in reg.info("good").error and "good" not in reg.metrics
    os.chmod(plugin_dir / "good.py", 0o600)
    assert "good" in load_registry(plugin_dir, env={}).metrics


def test_a_hook_that_raises_registers_nothing(tmp_path):
    def register_metrics(register):
        register(Metric(name="half", label="Half", compute=lambda v: MetricValue(text="x")))
        raise ValueError("second metric broke")

    def register_exporters(register):
        register("not an exporter")

    reg = load_registry(tmp_path / "none", env={"PAINBOARD_LOAD_PLUGINS": ""},
                        extra=[("bad", fake_plugin("bad", register_metrics=register_metrics,
                                                   register_exporters=register_exporters))])
    info = reg.info("bad")
    assert "ValueError: second metric broke" in info.error
    assert "TypeError: expected a painboard.plugin_api.Exporter" in info.error
    from painboard.builtin.figures import METRICS as FIGURES
    from painboard.builtin.metrics import METRICS
    assert "half" not in reg.metrics and len(reg.metrics) == len(METRICS) + len(FIGURES)


def test_duplicate_names_do_not_replace_builtins(tmp_path):
    from painboard.plugins import Exporter

    def register_exporters(register):
        register(Exporter(name="csv", extension=".csv", label="mine", write=lambda v, o: 0))

    reg = load_registry(tmp_path / "none", extra=[("dup", fake_plugin("dup", register_exporters=register_exporters))])
    assert reg.exporters["csv"].label == "CSV (pain entries)"
    assert reg.info("dup").warnings == ["exporter 'csv' is already registered by builtin.csv"]


def test_plugin_commands(tmp_path, plugin_dir):
    (plugin_dir / "hello.py").write_text('''
import click
from painboard.plugins import hookimpl

@hookimpl
def register_commands(cli):
    @cli.command()
    @click.pass_obj
    def hello(pb):
        click.echo(f"entries: {pb.counts()['pain_entry']}")
''')
    db = str(tmp_path / "c.db")
    r = CliRunner().invoke(cli, ["--db", db, "--plugins-dir", str(plugin_dir), "hello"])
    assert r.exit_code == 0 and r.stdout == "entries: 0\n"
    r = CliRunner().invoke(cli, ["--db", db, "--plugins-dir", str(plugin_dir), "plugins", "--json"])
    assert {p["name"]: p for p in json.loads(r.output)}["hello"]["registers"] == {"commands": ["hello"]}


def test_every_hook_is_documented():
    doc = (REPO / "docs" / "plugins.md").read_text()
    hooks = [n for n in dir(hookspecs) if n.startswith("register_")]
    assert len(hooks) == 5
    for name in hooks:
        params = ", ".join(getattr(hookspecs, name).__code__.co_varnames[
                           :getattr(hookspecs, name).__code__.co_argcount])
        assert f"### {name}({params})" in doc, f"hook {name} is missing from docs/plugins.md"
        section = doc.split(f"### {name}(")[1].split("\n### ")[0]
        assert "@hookimpl" in section and f"def {name}(" in section, f"{name} has no example"


def test_plugins_module_is_free_of_textual():
    code = "import sys, painboard.plugins, painboard.import_export, painboard.builtin.metrics; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
