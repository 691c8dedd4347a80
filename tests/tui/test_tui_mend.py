"""Issue 19: correct or delete any record from the dashboard (R, then e or d), keys typed in one
burst; a refused edit is said in the form with nothing saved; z undoes. Real keys, a real database."""

from __future__ import annotations

import pytest

from painboard.tui.dialogs.mend import DeleteRecordDialog, EditRecordDialog
from painboard.tui.screens.records import RecordsScreen

from .conftest import burst, said

SIZE = (100, 30)


async def test_r_e_edits_the_newest_entry_in_one_burst_and_z_undoes(demo_pb, make_app, helpers):
    app = make_app(demo_pb)
    shown = said(app)
    newest = demo_pb.entries(newest_first=True, limit=1)[0]
    new = 1 if newest["intensity"] != 1 else 2
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await helpers.settle(pilot)
        # R opens the records (the newest entry selected), e the form on its first field
        # (Pain, selected: typing replaces it), the new score, Enter saves: all at once.
        burst(app, "R", "e", str(new), "enter")
        await helpers.until(pilot, lambda: demo_pb.entry(newest["id"])["intensity"] == new, what="the edit")
        # The form's result reaches the list on its next turn: the notice, then the list read again.
        await helpers.until(pilot, lambda: any("z undoes it" in text for text in shown), what="the notice")
        await helpers.until(pilot, lambda: isinstance(app.screen, RecordsScreen) and not app.screen.rows_pending,
                            what="the list again")
        after = demo_pb.entry(newest["id"])
        assert {k: v for k, v in after.items() if k != "intensity"} == \
            {k: v for k, v in newest.items() if k != "intensity"}
        await pilot.press("z")
        await helpers.until(pilot, lambda: demo_pb.entry(newest["id"])["intensity"] == newest["intensity"],
                            what="the undo")


async def test_a_refused_edit_stays_in_the_form_and_saves_nothing(demo_pb, make_app, helpers):
    app = make_app(demo_pb)
    rev = demo_pb.revision()
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        burst(app, "R", "e", "1", "2", "enter")
        await helpers.until(pilot, lambda: isinstance(app.screen, EditRecordDialog)
                            and "Pain (0-10): " in helpers.text(app), what="the error")
        assert app.screen.query_one("#f-intensity").value == "12"  # what was typed stays
        assert demo_pb.revision() == rev


async def test_r_down_d_enter_deletes_an_episode_and_z_puts_it_back(demo_pb, make_app, helpers):
    app = make_app(demo_pb)
    shown = said(app)
    eps = demo_pb.episodes_list(limit=1)
    entries = len(demo_pb.records_to_mend()) and sum(1 for k, *_ in demo_pb.records_to_mend() if k == "entry")
    before = demo_pb.counts()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await helpers.settle(pilot)
        # past the entries and the episodes' heading to the newest episode; d asks, Enter deletes
        burst(app, "R", *["down"] * entries, "d", "enter")
        await helpers.until(pilot, lambda: demo_pb.counts()["episode"] == before["episode"] - 1,
                            what="the delete")
        assert [e["id"] for e in demo_pb.episodes_list(limit=1)] != [eps[0]["id"]]
        await helpers.until(pilot, lambda: any("z puts it back" in text for text in shown), what="the notice")
        await helpers.until(pilot, lambda: isinstance(app.screen, RecordsScreen) and not app.screen.rows_pending,
                            what="the list again")
        await pilot.press("z")
        await helpers.until(pilot, lambda: demo_pb.counts() == before, what="the undo")
        assert demo_pb.episodes_list(limit=1)[0] == eps[0]


async def test_escape_on_the_delete_question_keeps_the_record(demo_pb, make_app, helpers):
    app = make_app(demo_pb)
    before, rev = demo_pb.counts(), demo_pb.revision()
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        burst(app, "R", "d")
        await helpers.until(pilot, lambda: isinstance(app.screen, DeleteRecordDialog)
                            and "Delete this pain entry?" in helpers.text(app), what="the question")
        await pilot.press("escape")
        await helpers.until(pilot, lambda: isinstance(app.screen, RecordsScreen), what="the list")
    assert demo_pb.counts() == before and demo_pb.revision() == rev


@pytest.mark.slow
async def test_an_edit_while_another_process_holds_the_file_keeps_what_was_typed_and_saves(
        demo_pb, demo_db, make_app, helpers):
    from textual.widgets import Input

    demo_pb.db.retry_seconds = 0.3  # report busy quickly in the test
    app = make_app(demo_pb)
    newest = demo_pb.entries(newest_first=True, limit=1)[0]
    new = 1 if newest["intensity"] != 1 else 2
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        burst(app, "R", "e")
        await helpers.until(pilot, lambda: isinstance(app.screen, EditRecordDialog), what="the form")
        holder = helpers.hold_database(demo_db)  # held until released, not for a time
        try:
            await pilot.press(str(new), "enter")
            await helpers.until(pilot, lambda: "database busy" in helpers.text(app), timeout=3,
                                what="the busy message")
            assert isinstance(app.screen, EditRecordDialog)
            assert app.screen.query_one("#f-intensity", Input).value == str(new)
        finally:
            helpers.release_database(holder)
        await helpers.until(pilot, lambda: isinstance(app.screen, RecordsScreen), timeout=8, what="the save")
    assert demo_pb.entry(newest["id"])["intensity"] == new
