"""Issue 19: every record kind can be edited and deleted from the CLI, with the same confirmation
and one undo; the rollups, adherence and due-time matching stay right after each (compared with a
database built directly with the corrected data, and with a rollup rebuilt from scratch)."""

from __future__ import annotations

import json

import pytest

from painboard.store import rollup
from tests.conftest import ok, refused

pytestmark = pytest.mark.usefixtures("fixed_env")

# NOW is Saturday 28 November 2026, 14:05 in London (GMT).


def metrics(cli_run, db=None) -> dict:
    rows = json.loads(ok(cli_run("metrics", "--json", db=db)).stdout)
    return {m["name"]: (m["value"], m["text"], m["series"]) for m in rows}


def revision(pb_path, make_pb) -> int:
    return make_pb(pb_path).db.revision()


def day_rollup(make_pb, path) -> tuple[list, list]:
    """The kept rollup rows, and the same rows rebuilt from scratch."""
    pb = make_pb(path)
    with pb.db.unit_of_work(write=True) as con:
        rollup.ready(con, "Europe/London", 365)
        q = "SELECT day, n, total, worst, least, episodes, worst_peak FROM day_rollup ORDER BY day"
        kept = con.execute(q).fetchall()
        rollup._rebuild(con, "Europe/London", None, None)
        fresh = con.execute(q).fetchall()
    return kept, fresh


def setup(cli_run, db=None):
    ok(cli_run("log", "4", "--at", "2026-11-26 10:00", db=db))
    ok(cli_run("log", "7", "--at", "2026-11-27 09:00", db=db))
    ok(cli_run("episode", "8", "--at", "2026-11-27 11:00", "--duration", "30", db=db))
    ok(cli_run("plan", "add", "Morphine", "--dose", "10", "--unit", "mg", "--times", "08:00,20:00",
               "--start", "2026-11-25", db=db))


def test_edit_each_kind_through_the_cli_and_undo_puts_it_back(cli_run, db_path, make_pb):
    setup(cli_run)
    ok(cli_run("review", "--day", "2026-11-27", "--worst", "7", "--least", "2", "--average", "4",
               "--now", "3", "--yes"))
    ok(cli_run("plan", "done", "1", "--at", "2026-11-27 08:10"))
    make_pb(db_path).snapshot(range_days=365)  # the zone's rollup is kept from here on
    r = ok(cli_run("edit", "entry", "2", "--intensity", "5", "--site", "left hip"))
    assert "was: entry 2: 7/10 at 2026-11-27 09:00" in r.stdout and "now: entry 2: 5/10" in r.stdout
    ok(cli_run("edit", "episode", "1", "--peak", "9", "--end", "2026-11-27 11:45"))
    ok(cli_run("edit", "review", "2026-11-27", "--worst=8"))
    ok(cli_run("edit", "dose", "1", "note=with food"))
    ok(cli_run("edit", "item", "1", "--dose", "15"))
    entry = json.loads(ok(cli_run("entries", "--json")).stdout)[1]
    assert (entry["intensity"], entry["sites"]) == (5, ["left hip"])
    ep = json.loads(ok(cli_run("episodes", "--json")).stdout)[0]
    assert (ep["peak"], ep["duration_min"]) == (9, 45)
    assert json.loads(ok(cli_run("reviews", "--json")).stdout)[0]["worst"] == 8
    assert json.loads(ok(cli_run("doses", "--json")).stdout)[0]["note"] == "with food"
    assert json.loads(ok(cli_run("plan", "list", "--json")).stdout)[0]["dose"] == 15.0
    kept, fresh = day_rollup(make_pb, db_path)
    assert kept == fresh and (kept[1][1:5], kept[1][5:]) == ((1, 5, 5, 5), (1, 9))
    assert "undone: the edit of plan item 1" in ok(cli_run("undo", "--yes")).stdout
    assert json.loads(ok(cli_run("plan", "list", "--json")).stdout)[0]["dose"] == 10.0
    assert "nothing to undo" in ok(cli_run("undo", "--yes")).stdout


def test_a_rejected_edit_changes_nothing(cli_run, db_path, make_pb):
    setup(cli_run)
    before = revision(db_path, make_pb)
    refused(cli_run("edit", "entry", "1", "--intensity", "11"), 2, "intensity")
    refused(cli_run("edit", "entry", "1", "--colour", "red"), 2, "colour", "intensity, at, site")
    refused(cli_run("edit", "episode", "1", "--end", "2026-11-27 10:00"), 2, "end")
    refused(cli_run("edit", "entry", "9", "--intensity", "3"), 1, "no entry 9", "painboard entries")
    refused(cli_run("edit", "item", "1", "--rrule", "FREQ=NONSENSE"), 2, "rrule")
    refused(cli_run("edit", "thing", "1", "--x", "1"), 2, "entry, episode, review, dose, item")
    assert revision(db_path, make_pb) == before
    assert json.loads(ok(cli_run("entries", "--json")).stdout)[0]["intensity"] == 4


def test_delete_each_kind_asks_then_deletes_and_undo_restores(cli_run, db_path, make_pb):
    setup(cli_run)
    ok(cli_run("review", "--day", "2026-11-27", "--worst", "7", "--yes"))
    ok(cli_run("plan", "add", "Oxycodone", "--dose", "5", "--unit", "mg", "--as-needed"))
    ok(cli_run("episode", "6", "--at", "2026-11-28 09:00", "--rescue", "Oxycodone"))
    for kind, ref in (("episode", "1"), ("review", "2026-11-27"), ("dose", "1"), ("item", "1")):
        r = cli_run("delete", kind, ref, input="n\n")
        assert r.exit_code == 1 and "delete " in r.stderr
    assert len(json.loads(ok(cli_run("episodes", "--json")).stdout)) == 2
    r = ok(cli_run("delete", "dose", "1", input="y\n"))  # the rescue dose of episode 2
    assert "deleted dose 1: Oxycodone taken at 2026-11-28 09:00" in r.stdout
    assert json.loads(ok(cli_run("episodes", "--json")).stdout)[1]["rescue_event_id"] is None
    ok(cli_run("undo", "--yes"))
    assert json.loads(ok(cli_run("episodes", "--json")).stdout)[1]["rescue_event_id"] == 1
    r = ok(cli_run("delete", "item", "2", "--yes"))
    assert "and its 1 recorded dose or session" in r.stdout
    assert json.loads(ok(cli_run("doses", "--json")).stdout) == []
    ok(cli_run("undo", "--yes"))
    assert [d["id"] for d in json.loads(ok(cli_run("doses", "--json")).stdout)] == [1]
    ok(cli_run("delete", "episode", "1", "--yes"))
    ok(cli_run("delete", "review", "2026-11-27", "--yes"))
    assert json.loads(ok(cli_run("reviews", "--json")).stdout) == []
    kept, fresh = day_rollup(make_pb, db_path)
    assert kept == fresh and [k[5] for k in kept] == [0, 0, 1]  # 26th, 27th (entry only), 28th


def test_a_dose_moved_in_time_is_matched_again_and_adherence_matches_a_fresh_database(cli_run, db_path,
                                                                                      tmp_path):
    setup(cli_run)
    ok(cli_run("plan", "done", "1", "--at", "2026-11-27 08:10"))  # meant: the evening dose
    r = ok(cli_run("edit", "dose", "1", "--at", "2026-11-27 20:05"))
    assert "due 20:00" in r.stdout
    fresh = tmp_path / "fresh.db"
    setup(cli_run, db=fresh)
    ok(cli_run("plan", "done", "1", "--at", "2026-11-27 20:05", db=fresh))
    assert metrics(cli_run) == metrics(cli_run, db=fresh)
    # and the morning slot is open again: a dose at 08:20 goes to it, not refused
    assert "due 08:00" in ok(cli_run("plan", "done", "1", "--at", "2026-11-27 08:20")).stdout
    refused(cli_run("edit", "dose", "2", "--at", "2026-11-27 20:30"), 2, "already recorded")


def test_deletes_keep_adherence_and_rollup_as_a_fresh_database(cli_run, db_path, make_pb, tmp_path):
    setup(cli_run)
    ok(cli_run("plan", "done", "1", "--at", "2026-11-27 08:05"))
    ok(cli_run("log", "9", "--at", "2026-11-27 23:30"))
    ok(cli_run("episode", "3", "--at", "2026-11-26 12:00"))
    make_pb(db_path).snapshot(range_days=365)
    ok(cli_run("delete", "dose", "1", "--yes"))
    ok(cli_run("delete", "entry", "3", "--yes"))
    ok(cli_run("delete", "episode", "2", "--yes"))
    fresh = tmp_path / "fresh.db"
    setup(cli_run, db=fresh)
    assert metrics(cli_run) == metrics(cli_run, db=fresh)
    kept, rebuilt = day_rollup(make_pb, db_path)
    assert kept == rebuilt == day_rollup(make_pb, fresh)[1]


def test_plan_done_outside_every_due_time_says_so_and_names_the_open_slot(cli_run):
    setup(cli_run)
    r = ok(cli_run("plan", "done", "1", "--at", "2026-11-27 15:00"))
    assert "matches no due time" in r.stdout
    assert "the nearest open one is Fri 27 Nov 20:00" in r.stdout
    assert "edit dose 1 --at" in r.stdout


def test_a_changed_schedule_matches_the_recorded_doses_again_as_a_fresh_database(cli_run, tmp_path):
    setup(cli_run)  # Morphine daily at 08:00 and 20:00 from 25 Nov
    for at in ("2026-11-26 09:05", "2026-11-26 21:10", "2026-11-27 09:00"):
        ok(cli_run("plan", "done", "1", "--at", at))  # taken an hour late each time
    ok(cli_run("edit", "item", "1", "--rrule", "FREQ=DAILY;BYHOUR=9,21;BYMINUTE=0"))
    fresh = tmp_path / "fresh.db"
    ok(cli_run("log", "4", "--at", "2026-11-26 10:00", db=fresh))
    ok(cli_run("log", "7", "--at", "2026-11-27 09:00", db=fresh))
    ok(cli_run("episode", "8", "--at", "2026-11-27 11:00", "--duration", "30", db=fresh))
    ok(cli_run("plan", "add", "Morphine", "--dose", "10", "--unit", "mg", "--times", "09:00,21:00",
               "--start", "2026-11-25", db=fresh))
    for at in ("2026-11-26 09:05", "2026-11-26 21:10", "2026-11-27 09:00"):
        ok(cli_run("plan", "done", "1", "--at", at, db=fresh))
    assert metrics(cli_run) == metrics(cli_run, db=fresh)
    dues = [d["due_at"] for d in json.loads(ok(cli_run("doses", "--json")).stdout)]
    assert dues == [d["due_at"] for d in json.loads(ok(cli_run("doses", "--json", db=fresh)).stdout)]
    assert dues[0].startswith("2026-11-26T09:00")
    ok(cli_run("undo", "--yes"))  # the schedule and the matches as they were
    assert json.loads(ok(cli_run("doses", "--json")).stdout)[0]["due_at"].startswith("2026-11-26T08:00")


def test_undo_after_the_demo_replaced_the_records_has_nothing_to_put_back(cli_run, db_path, make_pb):
    ok(cli_run("log", "4", "--at", "2026-11-26 10:00"))
    ok(cli_run("delete", "entry", "1", "--yes"))
    ok(cli_run("demo", "--days", "7", "--force"))
    n = make_pb(db_path).counts()["pain_entry"]
    assert "nothing to undo" in ok(cli_run("undo", "--yes")).stdout
    assert make_pb(db_path).counts()["pain_entry"] == n
