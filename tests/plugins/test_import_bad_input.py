"""Bad files for every importer of other apps' exports, through the real CLI: a clear message
naming the file (and line and field where there is one), exit 2, and the database unchanged;
or, for text that is merely odd, the text kept inert."""

from __future__ import annotations

import json
import random

import pytest

from .importer_cli import entries, run

pytestmark = pytest.mark.usefixtures("imports_in_process")  # what it reads, not the child: see /conftest.py

# importer -> (header, one good row with a note, how a note is written into a row)
FORMATS = {
    "bearable": ("date,weekday,time of day,category,rating/amount,detail,notes\n",
                 lambda note: f'3rd Mar 2023,Friday,am,Symptom,1,Neck pain (Mild),"{note}"\n'),
    "paindiary": ("Date,Conditions,Pain Level (0-10),Body Regions,Pain nature,Times of pain,Drug Intakes,Comment\n",
                  lambda note: f'2023-03-03,[],4,[NECK],[dull],[],[],"{note}"\n'),
    "generic-csv": ("date,time,pain,notes\n", lambda note: f'2023-03-03,08:00,4,"{note}"\n'),
    "applehealth": ('<?xml version="1.0" encoding="UTF-8"?>\n<HealthData locale="en_GB">\n',
                    lambda note: f' <Record type="HKCategoryTypeIdentifierHeadache" sourceName="{note}" '
                                 f'startDate="2023-03-03 08:00:00 +0000" endDate="2023-03-03 08:00:00 +0000" '
                                 f'value="HKCategoryValueSeverityMild"/>\n'),
}
END = {"applehealth": "</HealthData>\n"}


def _file(tmp_path, fmt, body: bytes, name="in.csv"):
    f = tmp_path / (name if fmt != "applehealth" else "export.xml")
    f.write_bytes(body)
    return f


def _good(fmt, note="fine") -> str:
    header, row = FORMATS[fmt]
    return header + row(note) + END.get(fmt, "")


def _with_one_entry(tmp_path):
    db = tmp_path / "x.db"
    assert run(db, "log", "2", "--note", "before").exit_code == 0
    return db


def _refused(tmp_path, fmt, body: bytes, *fragments, args=()):
    db = _with_one_entry(tmp_path)
    before = entries(db)
    f = _file(tmp_path, fmt, body)
    r = run(db, "import", str(f), "--format", fmt, *args)
    assert r.exit_code == 2, r.output + r.stderr
    assert str(f) in r.stderr
    for frag in fragments:
        assert frag in r.stderr, r.stderr
    assert entries(db) == before
    return r.stderr


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_file(tmp_path, fmt):
    _refused(tmp_path, fmt, b"", "empty")


@pytest.mark.parametrize("fmt", FORMATS)
def test_header_only_imports_nothing(tmp_path, fmt):
    db = _with_one_entry(tmp_path)
    f = _file(tmp_path, fmt, (FORMATS[fmt][0] + END.get(fmt, "")).encode())
    r = run(db, "import", str(f))  # still recognised without --format
    assert r.exit_code == 0 and f"({fmt})" in r.output and "nothing to import" in r.output
    assert len(entries(db)) == 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_truncated_file(tmp_path, fmt):
    text = _good(fmt, "cut here")
    cut = text[: text.index("cut here") + 3].encode()
    _refused(tmp_path, fmt, cut, "line 2" if fmt != "applehealth" else "line 3", "cut short")


@pytest.mark.parametrize("fmt", FORMATS)
def test_wrong_header(tmp_path, fmt):
    body = ("when,what\n2023-03-03,4\n" if fmt != "applehealth" else '<?xml version="1.0"?>\n<Other/>\n').encode()
    msg = _refused(tmp_path, fmt, body, "line 1")
    assert "header" in msg or "HealthData" in msg


@pytest.mark.parametrize("fmt", FORMATS)
def test_utf8_with_bom_reads_as_without(tmp_path, fmt):
    plain, bom = tmp_path / "plain", tmp_path / "bom"
    plain.mkdir()
    bom.mkdir()
    text = _good(fmt, "café")
    a = run(plain / "x.db", "import", str(_file(plain, fmt, text.encode())))
    b = run(bom / "x.db", "import", str(_file(bom, fmt, b"\xef\xbb\xbf" + text.encode())))
    assert a.exit_code == 0 and b.exit_code == 0, a.stderr + b.stderr
    strip = lambda es: [{k: v for k, v in e.items() if k not in ("id", "recorded_at", "source")} for e in es]
    assert strip(entries(plain / "x.db")) == strip(entries(bom / "x.db")) != []


@pytest.mark.parametrize("fmt", FORMATS)
def test_latin1(tmp_path, fmt):
    body = _good(fmt, "café").encode("latin-1")
    if fmt == "applehealth":  # XML that says UTF-8 and is not: the parser names the line
        _refused(tmp_path, fmt, body, "line 3", "well-formed")
        return
    _refused(tmp_path, fmt, body, "line 2", "UTF-8", "encoding=latin-1")
    db = tmp_path / "ok.db"  # the documented way in
    r = run(db, "import", str(_file(tmp_path, fmt, body)), "--format", fmt, "-O", "encoding=latin-1")
    assert r.exit_code == 0, r.stderr
    assert any("café" in (e["note"] or "") for e in entries(db))


@pytest.mark.parametrize("fmt", FORMATS)
def test_one_megabyte_line(tmp_path, fmt):
    big = "x" * (1 << 20)
    if fmt == "applehealth":  # an attribute of 1 MB parses; a note that long is refused (at most 10,000 characters)
        db = tmp_path / "x.db"
        r = run(db, "import", str(_file(tmp_path, fmt, _good(fmt, big).encode())))
        assert r.exit_code == 2 and "10,000" in r.stderr and "note" in r.stderr, r.stderr
        return
    _refused(tmp_path, fmt, _good(fmt, big).encode(), "line 2", "128 KiB")


@pytest.mark.parametrize("fmt", FORMATS)
def test_binary_garbage(tmp_path, fmt):
    rnd = random.Random(fmt)
    body = bytes(rnd.randrange(256) for _ in range(4096))
    db = _with_one_entry(tmp_path)
    f = _file(tmp_path, fmt, body)
    r = run(db, "import", str(f))
    assert r.exit_code == 2 and "cannot tell what kind of file" in r.stderr
    _refused(tmp_path, fmt, body)


@pytest.mark.parametrize("fmt", FORMATS)
def test_terminal_escapes_and_markup_kept_inert(tmp_path, fmt):
    note = "\x1b[31mred\x1b[0m \x07 [bold]loud[/bold] <b>x</b>"
    if fmt == "applehealth":  # an attribute cannot hold ESC in XML 1.0: written as a character reference
        body = _good(fmt, "&#x1b;[31mred&#x1b;[0m [bold]loud[/bold] &lt;b&gt;x&lt;/b&gt;")
        note_in = "\ufffd[31mred\ufffd[0m [bold]loud[/bold] <b>x</b>"
    else:
        body, note_in = _good(fmt, note), "\ufffd[31mred\ufffd[0m \ufffd [bold]loud[/bold] <b>x</b>"
    db = tmp_path / "x.db"
    r = run(db, "import", str(_file(tmp_path, fmt, body.encode())))
    if fmt == "applehealth" and r.exit_code == 2:  # expat refuses the reference: a clear refusal is fine
        assert "well-formed" in r.stderr and entries(db) == []
        return
    assert r.exit_code == 0, r.stderr
    [e] = entries(db)
    assert note_in in e["note"] and "\x1b" not in json.dumps(e, ensure_ascii=False)
