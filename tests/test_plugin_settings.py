"""Importers and exporters declare their -O settings; any other is refused (issue 19, item 3)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from painboard.plugin_api import Exporter, Importer, Setting

from .conftest import _make_pb, ok, refused

pytestmark = pytest.mark.usefixtures("fixed_env", "imports_in_process")  # imports: see /conftest.py

REPO = Path(__file__).resolve().parents[1]
GENERIC = ("datetime", "date", "time", "intensity", "sites", "qualities", "note", "mapping", "date_order",
           "encoding")


def _readme_mapping() -> list[str]:
    """The README's generic-CSV mapping example, as its -O arguments."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    example = re.search(r"any CSV with a date and a pain column \(`([^`]+)`", text.replace("\n", " "))
    assert example, "the README's mapping example moved"
    return shlex.split(example.group(1))


def test_the_readme_mapping_imports_the_right_rows(cli_run, tmp_path, db_path):
    args = _readme_mapping()
    assert args == ["-O", "datetime=Recorded", "-O", "intensity=Severity"]
    f = tmp_path / "old.csv"  # headers no importer recognises: the mapping alone names them
    f.write_text("Recorded,Severity,Ward\n2026-11-20 08:15,6,A\n2026-11-21 21:40,3,B\n")
    r = ok(cli_run("import", str(f), *args))  # no --format: the mapping picks the spreadsheet importer
    assert "(generic-csv): 2 of 2 pain entries" in r.stdout
    got = sorted((e["occurred_at"].isoformat(), e["intensity"]) for e in _make_pb(db_path).entries())
    # London is on GMT in November: the local times are the UTC ones
    assert got == [("2026-11-20T08:15:00+00:00", 6), ("2026-11-21T21:40:00+00:00", 3)]


def test_the_old_readme_mapping_is_refused_with_the_known_settings(cli_run, tmp_path, db_path, db_counts):
    f = tmp_path / "old.csv"
    f.write_text("When,Pain\n2026-11-20 08:15,6\n")
    before = db_counts(db_path)
    r = refused(cli_run("import", str(f), "-O", "intensity=Pain", "-O", "occurred_at=When"), 2,
                "the generic-csv importer has no setting 'occurred_at'")
    assert re.search(r"its settings: (.+)\)", r.stderr).group(1).split(", ") == list(GENERIC)
    assert db_counts(db_path) == before


def test_an_importer_without_settings_refuses_any(cli_run, tmp_path, db_path, db_counts):
    f = tmp_path / "e.csv"
    f.write_text("occurred_at,intensity\n2026-11-20T08:15:00+00:00,6\n")
    before = db_counts(db_path)
    refused(cli_run("import", str(f), "--format", "json", "-O", "colour=red"), 2,
            "the json importer has no setting 'colour' (it takes no -O settings)")
    refused(cli_run("import", str(f), "-O", "intensity=Pain"), 2,
            "the csv importer has no setting 'intensity' (its settings: encoding)")
    assert db_counts(db_path) == before


def test_an_unknown_html_setting_is_refused_and_nothing_written(cli_run, tmp_path):
    out = tmp_path / "visit.html"
    refused(cli_run("export", "html", "-o", str(out), "-O", "papers=a4"), 2,
            "the html exporter has no setting 'papers' (its settings: paper, questions)")
    assert list(tmp_path.rglob("*.html")) == [] and not out.exists()  # not even a partial file
    ok(cli_run("export", "html", "-o", str(out), "-O", "paper=letter"))
    assert "letter" in out.read_text()


def test_settings_are_listed_by_plugins_and_help(cli_run):
    text = ok(cli_run("plugins")).stdout
    assert "    exporter html settings: -O paper=a4|letter (the paper size to print on); " \
           "-O questions=FILE (questions for the visit, one a line)" in text.splitlines()
    assert "    importer json settings: none (it takes no -O)" in text.splitlines()
    infos = {p["name"]: p for p in json.loads(ok(cli_run("plugins", "--json")).stdout)}
    generic = infos["builtin.generic_csv"]["settings"]["importers"]["generic-csv"]
    assert [s["name"] for s in generic] == list(GENERIC)
    assert generic[3] == {"name": "intensity", "type": "COLUMN", "help": "the column of the pain score 0-10"}
    assert infos["builtin.json"]["settings"] == {"importers": {"json": []}, "exporters": {"json": []}}

    help_import = ok(cli_run("import", "--help")).stdout.splitlines()
    at = help_import.index("Settings of generic-csv (-O NAME=VALUE):")
    assert help_import[at + 4].split() == ["intensity=COLUMN", "the", "column", "of", "the", "pain", "score", "0-10"]
    assert "No -O settings: json, applehealth." in help_import
    help_export = ok(cli_run("export", "--help")).stdout.splitlines()
    assert "Settings of html (-O NAME=VALUE):" in help_export
    assert "No -O settings: csv, json, parquet, markdown, ical." in help_export


def test_a_plugin_declaring_nothing_still_loads_and_takes_no_settings():
    imp = Importer(name="Mine", label="mine", sniff=lambda head, name: False, read=lambda source: [])
    assert imp.settings == () and imp.knows({}) and not imp.knows({"x": "1"})
    exp = Exporter(name="mine", extension=".txt", label="mine", write=lambda view, out: 0,
                   settings=[("Paper-Size", "a4|letter", "size")])
    assert exp.settings == (Setting("paper_size", "a4|letter", "size"),)
    exp.check_options({"paper_size": "a4"})
