"""Issue 10, item 8: delete an entry from the dashboard (d, Enter; Esc keeps it), put it back
with z (the one undo of the last edit or delete); a read-only session refuses. Real keys, a real database."""

from __future__ import annotations

from painboard.errors import NotFound
from painboard.tui.dialogs.delete_entry import DeleteEntryDialog
from painboard.tui.screens.main import MainScreen

from .conftest import burst

SIZE = (80, 24)


def newest(pb, n: int = 3) -> list[dict]:
    return pb.entries(newest_first=True, limit=n)


def notes(said: list[str]) -> str:
    """The notices given so far (helpers.said: kept as given, a toast lasts only seconds)."""
    return "\n".join(said)


def gone(pb, entry_id: int) -> bool:
    try:
        pb.entry(entry_id)
    except NotFound:
        return True
    return False


async def test_d_enter_deletes_the_newest_entry_and_the_screen_follows(demo_pb, make_app, helpers):
    app = make_app(demo_pb)
    first, second, _ = newest(demo_pb)
    assert first["intensity"] != second["intensity"]  # so the header's change can be seen
    before = demo_pb.counts()["pain_entry"]
    said = helpers.said(app)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await helpers.settle(pilot)
        assert f"now {first['intensity']}/10" in helpers.text(app)
        await pilot.press("d")
        # pushed is not yet drawn: its list once it is on the screen
        await helpers.until(pilot, lambda: isinstance(app.screen, DeleteEntryDialog)
                            and "Enter delete" in helpers.text(app), what="the dialog")
        shown = helpers.text(app)
        assert "Delete a pain entry" in shown and "Enter delete" in shown
        assert f"{first['occurred_at']:%H:%M}  {first['intensity']:>2}/10" in shown
        await pilot.press("enter")
        await helpers.until(pilot, lambda: isinstance(app.screen, MainScreen), what="the dialog to close")
        # the notice comes from the dialog's dismiss callback, on a later turn than the close
        await helpers.until(pilot, lambda: "z puts it back" in notes(said), what="the notice")
        await helpers.settle(pilot)
        assert gone(demo_pb, first["id"]) and not gone(demo_pb, second["id"])
        assert demo_pb.counts()["pain_entry"] == before - 1
        text = helpers.text(app)
        assert f"now {second['intensity']}/10" in text  # the header shows the entry now newest
        told = notes(said)
        assert f"deleted {first['occurred_at']:%H:%M}  {first['intensity']:>2}/10" in told
        assert "z puts it back" in told


async def test_keys_in_one_burst_delete_the_one_chosen(demo_pb, make_app, helpers):
    app = make_app(demo_pb)
    first, second, third = newest(demo_pb)
    before = demo_pb.counts()["pain_entry"]
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        burst(app, "d", "down", "enter")
        await helpers.until(pilot, lambda: demo_pb.counts()["pain_entry"] == before - 1, what="the delete")
        await helpers.settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert gone(demo_pb, second["id"])
        assert not gone(demo_pb, first["id"]) and not gone(demo_pb, third["id"])


async def test_escape_keeps_the_entry(demo_pb, make_app, helpers):
    app = make_app(demo_pb)
    before = demo_pb.counts()
    rev = demo_pb.revision()
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        burst(app, "d", "escape")
        await pilot.pause()  # both keys handled (the dialog came and went)
        await helpers.settle(pilot)
        assert isinstance(app.screen, MainScreen)
    assert demo_pb.counts() == before and demo_pb.revision() == rev


async def test_z_puts_the_deleted_entry_back(demo_pb, make_app, helpers):
    app = make_app(demo_pb)
    first = newest(demo_pb)[0]
    before = demo_pb.counts()["pain_entry"]
    said = helpers.said(app)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await helpers.settle(pilot)
        await pilot.press("z")
        await helpers.until(pilot, lambda: said, what="the notice")
        await helpers.settle(pilot)
        assert "nothing to undo" in notes(said)
        burst(app, "d", "enter")
        await helpers.until(pilot, lambda: demo_pb.counts()["pain_entry"] == before - 1, what="the delete")
        await helpers.settle(pilot)
        await pilot.press("z")
        await helpers.until(pilot, lambda: demo_pb.counts()["pain_entry"] == before, what="the restore")
        await helpers.settle(pilot)
        back = newest(demo_pb)[0]
        assert back == first  # the same entry, its number too (issue 19: z is the one undo)
        assert f"now {first['intensity']}/10" in helpers.text(app)
        await pilot.press("z")  # only what was deleted comes back, once
        await helpers.settle(pilot)
        assert demo_pb.counts()["pain_entry"] == before


async def test_a_read_only_session_refuses(demo_db, make_app, helpers):
    from painboard.config import Settings
    from painboard.services import Painboard

    ro = Painboard(Settings.load(db=demo_db, read_only=True))
    before, rev = ro.counts(), ro.revision()
    app = make_app(ro)
    said = helpers.said(app)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await helpers.settle(pilot)
        for key in ("d", "enter", "z"):
            await pilot.press(key)
        await helpers.until(pilot, lambda: "undo is off" in notes(said), what="the refusals")
        await helpers.settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert "deleting entries is off" in notes(said) and "undo is off" in notes(said)
    assert ro.counts() == before and ro.revision() == rev


def test_restore_entry_keeps_every_field(demo_pb):
    row = newest(demo_pb)[0]
    deleted = demo_pb.delete_entry(row["id"])
    assert deleted == row and gone(demo_pb, row["id"])
    back = demo_pb.restore_entry(deleted)
    again = demo_pb.entry(back.id)
    assert {k: v for k, v in again.items() if k != "id"} == {k: v for k, v in row.items() if k != "id"}
