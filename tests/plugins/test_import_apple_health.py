"""Apple Health's export through the real CLI: pain symptoms with a severity in, the rest counted,
from export.xml or export.zip, streamed in bounded memory."""

from __future__ import annotations

import tracemalloc
import json
import zipfile
from datetime import datetime, timedelta, timezone

import pytest

from painboard.plugins import ImportSource

from .importer_cli import EXAMPLES, entries, import_ok, run

pytestmark = pytest.mark.usefixtures("imports_in_process")  # what it reads, not the child: see /conftest.py

SAMPLE = EXAMPLES / "apple-health-export.xml"


def _expected():
    # from the sample by hand: (UTC time, score, site, level)
    return [(datetime(2021, 12, 8, 9, 15, tzinfo=timezone.utc), 5, ["lower back"], "moderate"),
            (datetime(2021, 12, 8, 17, 30, tzinfo=timezone.utc), 8, ["head"], "severe"),  # 18:30 +0100
            (datetime(2021, 12, 9, 7, 45, tzinfo=timezone.utc), 3, [], "mild")]


def _got(db):
    return sorted((datetime.fromisoformat(e["occurred_at"]), e["intensity"], e["sites"], e["original_level"])
                  for e in entries(db))


def test_export_xml_symptoms_become_derived_scores(tmp_path):
    db = tmp_path / "a.db"
    out = import_ok(db, SAMPLE)
    assert "(applehealth)" in out and "3 of 3 pain entries, 1 of 1 symptoms" in out
    # the Nausea record is a symptom record now (issue 20); the rest are counted as before
    assert "other Health records 2" in out and "symptoms without a severity 1" in out
    sym = json.loads(run(db, "symptoms", "--json").stdout)
    assert [(s["name"], s["kind"], s["severity"], s["occurred_at"][:19]) for s in sym] == [
        ("nausea", "side_effect", "mild", "2021-12-09T21:00:00")]
    assert sym[0]["note"] == "Apple Health: Nausea, from Health"
    assert _got(db) == _expected()
    assert all(e["derived"] and e["source"] == "applehealth:apple-health-export.xml" for e in entries(db))


def test_export_zip_and_the_same_records_renamed_add_nothing(tmp_path):
    z = tmp_path / "export.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("apple_health_export/", "")
        zf.write(SAMPLE, "apple_health_export/export.xml")
    db = tmp_path / "a.db"
    assert "3 of 3 pain entries" in import_ok(db, z)
    assert _got(db) == _expected()
    other = tmp_path / "Export (1).xml"
    other.write_bytes(SAMPLE.read_bytes())
    assert "4 already stored" in import_ok(db, other)


def test_zip_without_the_export_is_refused(tmp_path):
    z = tmp_path / "export.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("apple_health_export/readme.txt", "nothing")
    r = run(tmp_path / "a.db", "import", str(z), "--format", "applehealth")
    assert r.exit_code == 2 and "export.xml" in r.stderr


def test_cut_short_xml_refused_and_nothing_written(tmp_path):
    f = tmp_path / "export.xml"
    text = SAMPLE.read_text()
    f.write_text(text[: text.index("GeneralizedBodyAche") + 40])
    db = tmp_path / "a.db"
    r = run(db, "import", str(f))
    assert r.exit_code == 2 and "cut short" in r.stderr and "line" in r.stderr
    assert entries(db) == []


@pytest.mark.slow
def test_streaming_keeps_memory_flat(tmp_path):
    """Reading a 20 MB export allocates far less than the file: elements are freed as read."""
    f = tmp_path / "export.xml"
    t0 = datetime(2020, 1, 1, tzinfo=timezone.utc)
    pains = 0
    with open(f, "w") as fh:
        fh.write('<?xml version="1.0"?>\n<HealthData locale="en_GB">\n')
        i = 0
        while fh.tell() < 20 * 1024 * 1024:
            s = (t0 + timedelta(minutes=i)).strftime("%Y-%m-%d %H:%M:%S +0000")
            kind, value = (("HKCategoryTypeIdentifierHeadache", "HKCategoryValueSeverityMild") if i % 1000 == 0
                           else ("HKQuantityTypeIdentifierHeartRate", "70"))
            pains += i % 1000 == 0
            fh.write(f' <Record type="{kind}" sourceName="Watch" startDate="{s}" endDate="{s}" value="{value}">'
                     f'<MetadataEntry key="k" value="v"/></Record>\n')
            i += 1
        fh.write("</HealthData>\n")
    from painboard.builtin.apple_health import read

    seen = []
    source = ImportSource(f, on_progress=seen.append)
    tracemalloc.start()
    try:
        rows = sum(1 for _ in read(source))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert rows == pains
    assert peak < 4 * 1024 * 1024, f"peak {peak} bytes while reading a 20 MB file"
    assert seen and seen[-1] == f.stat().st_size and seen == sorted(seen)
