"""Memory of the readers, measured as the peak resident size (VmHWM; ru_maxrss keeps the forking
parent's figure across exec) of a child process that runs only the reader: archives that expand far beyond an export are refused before they
are unpacked, and what is read streams in flat memory whatever its size."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from .test_import_worst_case import child_read

pytestmark = pytest.mark.slow

HEAD = b'<?xml version="1.0" encoding="UTF-8"?>\n<HealthData locale="en_GB">\n'
HEADACHE = (b'<Record type="HKCategoryTypeIdentifierHeadache" sourceName="Watch" '
            b'startDate="2023-03-03 08:00:00 +0000" endDate="2023-03-03 08:00:00 +0000" '
            b'value="HKCategoryValueSeverityModerate">')
METADATA = b'<MetadataEntry key="HKMetadataKeySyncVersion" value="1"/>'
# A child that imports painboard and reads a small file peaks near 40 MB: the bound leaves room
# for that and far less than the files below would need if they were held.
PEAK_MB = 100


def _write_export(out, whitespace_mb: int = 0, children: int = 0) -> None:
    out.write(HEAD)
    out.write(HEADACHE)
    block = METADATA * 10_000
    for _ in range(children // 10_000):
        out.write(block)
    out.write(b"</Record>\n")
    spaces = b" " * (1 << 20)
    for _ in range(whitespace_mb):
        out.write(spaces)
    out.write(HEADACHE + b"</Record>\n</HealthData>\n")


def _zip(tmp_path: Path, **kw) -> Path:
    z = tmp_path / "export.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open("apple_health_export/export.xml", "w", force_zip64=True) as out:
            _write_export(out, **kw)
    return z


def _refused_as_unpacking_too_much(z: Path) -> None:
    """The child refuses the zip's export.xml for unpacking to many times its size, in flat memory."""
    r = child_read("applehealth", z, guard=60)
    assert r["field"] == "apple_health_export/export.xml" and "times its size" in r["error"], r
    assert r["peak_mb"] < PEAK_MB, r
    print(f"peak {r['peak_mb']:.0f} MB in {r['seconds']:.1f} s")


def test_whitespace_bomb_zip_is_refused_before_it_is_unpacked(tmp_path):
    """About 1 MB of zip holding 1 GB of whitespace (the issue's 972 KB zip peaked at 1.05 GB)."""
    z = _zip(tmp_path, whitespace_mb=1024)
    assert z.stat().st_size < 2 << 20
    _refused_as_unpacking_too_much(z)


def test_zip_of_three_million_metadata_children_is_refused(tmp_path):
    z = _zip(tmp_path, children=3_000_000)
    assert z.stat().st_size < 1 << 20
    _refused_as_unpacking_too_much(z)


def test_zip_over_the_size_limit_is_refused_from_its_directory(tmp_path, monkeypatch):
    from painboard.builtin import _importing

    z = _zip(tmp_path, whitespace_mb=2)
    monkeypatch.setattr(_importing, "ARCHIVE_MAX_BYTES", 1 << 20)
    from painboard.builtin.apple_health import read
    from painboard.errors import BadInput
    from painboard.plugin_api import ImportSource

    with pytest.raises(BadInput) as e:
        list(read(ImportSource(z)))
    assert e.value.field == "apple_health_export/export.xml" and "unpack to" in e.value.message


@pytest.mark.parametrize("kw", [{"children": 2_000_000}, {"whitespace_mb": 400}], ids=["children", "whitespace"])
def test_plain_export_streams_in_flat_memory(tmp_path, kw):
    """The same shapes as a plain export.xml, which no zip rule guards: parsed in flat memory
    (the tree reader held every child and every run of text: hundreds of MB here)."""
    f = tmp_path / "export.xml"
    with open(f, "wb") as out:
        _write_export(out, **kw)
    assert f.stat().st_size > 100 << 20
    r = child_read("applehealth", f, guard=120)
    assert r["error"] is None and r["rows"] == 2 and r["first"]["intensity"] == 5, r
    assert r["peak_mb"] < PEAK_MB, r
    print(f"peak {r['peak_mb']:.0f} MB in {r['seconds']:.1f} s")


def test_json_import_streams_in_flat_memory(tmp_path):
    """200,000 records (60 MB): read in 1 MiB chunks, never whole."""
    f = tmp_path / "big.json"
    rec = {"occurred_at": "2023-03-03T08:00:00+01:00", "intensity": 4, "note": "n" * 200, "sites": ["neck"]}
    line = json.dumps(rec)
    with open(f, "w") as out:
        out.write('{\n"format": "painboard",\n"version": 1,\n"pain_entries": [\n')
        out.write(",\n".join([line] * 200_000))
        out.write("\n]\n}\n")
    assert f.stat().st_size > 50 << 20
    r = child_read("json", f, guard=120)
    assert r["error"] is None and r["rows"] == 200_000, r
    assert r["peak_mb"] < PEAK_MB, r
    print(f"peak {r['peak_mb']:.0f} MB in {r['seconds']:.1f} s")
