"""Issue 20: the symptom record, its table (schema 4) and the use-cases."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import duckdb
import pytest

from painboard.errors import BadInput, NotFound, ReadOnly
from painboard.store import migrations
from painboard.warning_signs import DEFAULT_WORDS

pytestmark = pytest.mark.usefixtures("fixed_env")
NOW = datetime(2026, 11, 28, 14, 5, tzinfo=timezone.utc)


def test_a_file_at_a_later_schema_without_4_gets_it(tmp_path, make_pb):
    """Schema 5 (reminders) reached main before 4 (symptoms): a file written then, at 5 without
    4, still gets the symptom table when opened."""
    db = tmp_path / "five.db"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE schema_migrations (version INTEGER NOT NULL, name VARCHAR NOT NULL, "
                "applied_at TIMESTAMPTZ NOT NULL)")
    for number, name, sql in migrations.MIGRATIONS:
        if number != 4:
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [number, name])
    con.close()
    pb = make_pb(db)
    pb.log_symptom("nausea")
    assert [r["name"] for r in pb.symptoms()] == ["nausea"]


def test_schema_4_adds_the_symptom_table(pb, db_path):
    pb.counts()
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        assert 4 in [n for n, _, _ in migrations.MIGRATIONS]
        assert con.execute("SELECT version FROM schema_migrations WHERE name = 'symptom'").fetchone()[0] == 4
        cols = [r[0] for r in con.execute("DESCRIBE symptom").fetchall()]
    finally:
        con.close()
    assert cols == ["id", "name", "kind", "occurred_at", "recorded_at", "severity", "note",
                    "reported_at", "reported_to", "source", "key"]


def test_a_warning_sign_comes_back_with_the_teams_default_words(pb):
    got = pb.log_symptom("  New WEAKNESS in an arm or leg ", severity="severe", note="left leg")
    s = got.symptom
    assert (s.id, s.name, s.kind, s.severity, s.note) == (1, "new weakness in an arm or leg", "warning_sign",
                                                         "severe", "left leg")
    assert got.message == DEFAULT_WORDS  # no number entered yet: the words alone


def test_side_effect_and_own_words_are_not_signs(pb):
    assert pb.log_symptom("Constipation", severity="2").symptom.kind == "side_effect"
    own = pb.log_symptom("hiccups")
    assert (own.symptom.kind, own.message) == ("own_words", None)
    assert pb.log_symptom("my own worry", warning=True).symptom.kind == "warning_sign"


def test_each_write_moves_the_revision(pb):
    before = pb.revision()
    pb.log_symptom("nausea")
    assert pb.revision() == before + 1
    pb.mark_reported(1, "nurse")
    assert pb.revision() == before + 2


def test_reported_clears_the_unreported_list_and_keeps_the_record(pb):
    pb.log_symptom("difficulty walking", occurred_at=NOW - timedelta(hours=2))
    pb.log_symptom("nausea")
    assert [(r["name"], r["shown"]) for r in pb.unreported_warning_signs()] == [
        ("difficulty walking", DEFAULT_WORDS)]
    row = pb.mark_reported(1, "  oncology   nurse ", at=NOW - timedelta(hours=1))
    assert (row["reported_to"], row["reported_at"]) == ("oncology nurse", NOW - timedelta(hours=1))
    assert pb.unreported_warning_signs() == []
    kept = pb.symptoms()
    assert [(r["name"], r["reported_to"]) for r in kept] == [("difficulty walking", "oncology nurse"),
                                                            ("nausea", None)]


def test_bad_input_is_refused_and_nothing_written(pb):
    with pytest.raises(BadInput, match="severity"):
        pb.log_symptom("nausea", severity="awful")
    with pytest.raises(BadInput, match="name"):
        pb.log_symptom("   ")
    with pytest.raises(BadInput, match="to"):
        pb.log_symptom("nausea") and pb.mark_reported(1, " ")
    with pytest.raises(NotFound, match="no symptom 9"):
        pb.mark_reported(9, "nurse")
    assert len(pb.symptoms()) == 1 and pb.symptoms()[0]["reported_at"] is None


def test_delete_and_undo_keep_the_key(pb):
    pb.log_symptom("itching", severity="mild")
    row = pb.delete_symptom(1)
    assert pb.symptoms() == []
    back = pb.restore_symptom(row)
    assert (back.name, back.severity, back.key) == ("itching", "mild", row["key"])


def test_read_only_session_cannot_log_or_clear(pb, make_pb, db_path):
    pb.log_symptom("difficulty walking")
    ro = make_pb(db_path, read_only=True)
    assert len(ro.unreported_warning_signs()) == 1
    with pytest.raises(ReadOnly):
        ro.mark_reported(1, "nurse")
    with pytest.raises(ReadOnly):
        ro.log_symptom("nausea")
    with pytest.raises(ReadOnly):
        ro.set_team(phone="0123")
    assert len(pb.unreported_warning_signs()) == 1


def test_the_teams_list_lives_in_the_settings_file(pb, tmp_path, monkeypatch):
    conf = tmp_path / "config.toml"
    monkeypatch.setenv("PAINBOARD_CONFIG", str(conf))
    conf.write_text('theme = "textual-dark"\n')
    pb.set_team(words="Ring the acute oncology line", phone="0161 000 0000")
    pb.add_sign("chest pain", words="Call 999")
    pb.remove_sign("Difficulty  walking")
    team = pb.team()
    assert "difficulty walking" not in [s.name for s in team.signs]
    assert pb.log_symptom("chest pain").message == "Call 999: 0161 000 0000"
    assert pb.log_symptom("new strong thirst").message == "Ring the acute oncology line: 0161 000 0000"
    text = conf.read_text()
    assert 'theme = "textual-dark"' in text and "[[warning_signs]]" in text
    assert oct(conf.stat().st_mode & 0o777) == "0o600"
    conf.write_text('[[warning_signs]]\nwords = "x"\n')
    with pytest.raises(BadInput, match="warning_signs entry 1 has no name"):
        pb.team()


def test_the_import_pipeline_takes_symptom_rows(pb):
    """The importer contract's new kind: validated with the model (file, line, field on a bad
    one), written in the import's transaction, and a second import adds nothing."""
    from painboard import import_export
    from painboard.plugin_api import KINDS, Row

    assert "symptom" in KINDS
    good = [Row("symptom", {"name": "Nausea", "kind": "side_effect", "occurred_at": "2026-11-27T10:00:00+00:00",
                            "severity": "mild"}, 2)]
    bad = good + [Row("symptom", {"name": "itching", "occurred_at": "2026-11-27T11:00:00+00:00",
                                  "severity": "awful"}, 3)]
    with pytest.raises(BadInput) as err:
        import_export.validate(bad, "f.csv", "import:f.csv")
    assert (err.value.file, err.value.line, err.value.field) == ("f.csv", 3, "severity")
    for expected in (1, 0):
        v = import_export.validate(good, "f.csv", "import:f.csv")
        with pb.db.unit_of_work(write=True) as con:
            assert import_export.write(con, v)["symptom"] == expected
    rows = pb.symptoms()
    assert [(r["name"], r["kind"], r["severity"], r["source"]) for r in rows] == [
        ("Nausea", "side_effect", "mild", "import:f.csv")]


def test_saving_the_list_keeps_the_reminder_tables(pb, tmp_path, monkeypatch):
    """[remind] (issue 21) stays as written when the list is saved; the list's old tables are
    replaced, not repeated; saving the theme keeps the list as written."""
    import tomllib

    from painboard.config import read_remind_config, save_config

    conf = tmp_path / "config.toml"
    monkeypatch.setenv("PAINBOARD_CONFIG", str(conf))
    conf.write_text('theme = "nord"\n\n[remind]\ndoses = true\n\n[[remind.channel]]\nname = "phone"\n'
                    'url = "ntfys://example.org/x"\n')
    pb.add_sign("chest pain")
    pb.add_sign("hiccups that will not stop")
    save_config({"theme": "dracula"})
    data = tomllib.loads(conf.read_text())
    assert data["theme"] == "dracula" and data["remind"]["channel"][0]["name"] == "phone"
    assert read_remind_config()["doses"] is True
    names = [s["name"] for s in data["warning_signs"]]
    assert names[-2:] == ["chest pain", "hiccups that will not stop"] and len(names) == 16
