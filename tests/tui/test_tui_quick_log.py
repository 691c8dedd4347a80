"""The quick log line on the dashboard (issue 22): a digit lands on a line already on the
screen, only that line is drawn again, and the keys after it (Enter, Tab, Esc, Backspace,
more digits) are the line's until the score is saved or cleared."""

from __future__ import annotations

from painboard.tui.dialogs.log_entry import LogEntryDialog
from painboard.tui.screens.main import MainScreen
from painboard.tui.widgets.checklist import PlanChecklist
from painboard.tui.widgets.quick_log import QuickLog, QuickScore

SIZE = (80, 24)


def _footer(app) -> str:
    return app.screen._compositor.render_strips()[-1].text


def _newest(pb) -> dict:
    return pb.entries(newest_first=True, limit=1)[0]


async def test_a_digit_draws_the_score_cells_alone(demo_pb, make_app, helpers):
    """The frame after a digit updates the few cells of the score and nothing else: no form
    is built, no screen pushed, the dashboard is not drawn again (the plan's look as it loses
    the focus comes a frame later)."""
    from textual._compositor import ChopsUpdate

    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        frames = []
        real = app._display

        def display(screen, update) -> None:
            frames.append(update)
            real(screen, update)

        app._display = display
        for _ in range(500):  # until a pass of the app draws nothing: no frame left from before
            frames.clear()
            await pilot.pause()
            if not frames:
                break
        assert not frames, "the dashboard kept drawing"
        helpers.burst(app, "7")
        await helpers.until(pilot, lambda: helpers.quick_score(app) == "7" and frames, what="the digit's frame")
        score = app.screen.query_one(QuickScore).region
        first = next(f for f in frames if f is not None)
        assert isinstance(first, ChopsUpdate), type(first).__name__  # a partial update, not the screen
        cells = {(y, x1, x2) for y, x1, x2 in first.spans}
        assert cells and all(y == score.y and score.x <= x1 and x2 <= score.right for y, x1, x2 in cells), \
            (cells, score)
        assert isinstance(app.screen, MainScreen)


async def test_digits_backspace_then_enter_save_the_score_shown(demo_pb, make_app, helpers):
    before = demo_pb.counts()["pain_entry"]
    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        # the keys after the first digit wait for the line to have the focus (a frame later)
        await pilot.press("1", "2", "backspace")
        await helpers.until(pilot, lambda: helpers.quick_score(app) == "1", what="12 then backspace")
        await pilot.press("0")
        await helpers.until(pilot, lambda: helpers.quick_score(app) == "10", what="the 0")
        await pilot.press("enter")
        await helpers.until(pilot, lambda: demo_pb.counts()["pain_entry"] == before + 1, what="the save")
        await helpers.settle(pilot)
        assert "now 10/10" in helpers.text(app).splitlines()[0]
    assert demo_pb.counts()["pain_entry"] == before + 1 and _newest(demo_pb)["intensity"] == 10


async def test_letters_on_the_line_are_refused_not_taken_as_dashboard_keys(demo_pb, make_app, helpers):
    """A score on the line: q does not quit, r opens no review, b no episode; the line says
    what it takes, keeps the score, and Enter still saves it."""
    before = demo_pb.counts()["pain_entry"]
    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        await pilot.press("7")
        await helpers.until(pilot, lambda: isinstance(app.focused, QuickScore), what="the focus on the line")
        await pilot.press("q", "r", "b")
        # refused by the line on the keys' turn there (forwarded from the app to its focus)
        await helpers.until(pilot, lambda: "the score is a number from 0 to 10" in helpers.text(app),
                            what="the refusal on the line")
        await helpers.settle(pilot)
        assert app.is_running and isinstance(app.screen, MainScreen)
        assert helpers.quick_score(app) == "7"
        await pilot.press("enter")
        await helpers.settle(pilot)
    assert demo_pb.counts()["pain_entry"] == before + 1 and _newest(demo_pb)["intensity"] == 7


async def test_a_letter_in_the_same_burst_as_the_digit_is_the_lines_too(demo_pb, make_app, helpers):
    """`7 q r Enter` in one burst: the keys after the digit wait for the line to have the
    focus, so q and r are refused there (the app does not quit, no review opens) and Enter
    saves the 7."""
    before = demo_pb.counts()["pain_entry"]
    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        helpers.burst(app, "7", "q", "r", "enter")
        await helpers.until(pilot, lambda: demo_pb.counts()["pain_entry"] == before + 1, what="the save")
        await helpers.settle(pilot)
        assert app.is_running and isinstance(app.screen, MainScreen)
        assert "now 7/10" in helpers.text(app).splitlines()[0]
    assert _newest(demo_pb)["intensity"] == 7


async def test_enter_with_the_score_rubbed_out_asks_for_one(demo_pb, make_app, helpers):
    before = demo_pb.counts()["pain_entry"]
    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        await pilot.press("5", "backspace", "enter")
        await helpers.until(pilot, lambda: "Pain (0-10): type a number from 0 to 10" in helpers.text(app),
                            what="the line asking for a score")
        await helpers.settle(pilot)
        assert isinstance(app.screen, MainScreen)
    assert demo_pb.counts()["pain_entry"] == before


async def test_escape_in_the_details_form_comes_back_to_the_score(demo_pb, make_app, helpers):
    """Tab opens the form for the details; its Esc comes back to the line with the score as
    typed (nothing lost), and Enter there saves it."""
    before = demo_pb.counts()["pain_entry"]
    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        await pilot.press("6", "tab")
        await helpers.until(pilot, lambda: isinstance(app.screen, LogEntryDialog), what="the form")
        await pilot.press("escape")
        await helpers.until(pilot, lambda: isinstance(app.screen, MainScreen)
                            and isinstance(app.focused, QuickScore), what="the line again")
        assert helpers.quick_score(app) == "6"
        await pilot.press("enter")
        await helpers.until(pilot, lambda: demo_pb.counts()["pain_entry"] == before + 1, what="the save")
        await helpers.settle(pilot)
        assert "now 6/10" in helpers.text(app).splitlines()[0] and helpers.quick_score(app) == "0-10"
    assert demo_pb.counts()["pain_entry"] == before + 1 and _newest(demo_pb)["intensity"] == 6


async def test_the_key_line_shows_the_lines_keys_while_it_holds_a_score(demo_pb, make_app, helpers):
    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        await helpers.until(pilot, lambda: "q quit" in _footer(app), what="the key line")
        assert "0-9 log" in _footer(app) and "details" not in _footer(app)
        await pilot.press("4")
        await helpers.until(pilot, lambda: "details" in _footer(app), what="the line's keys")
        footer = _footer(app)
        for shown in ("save", "tab details", "esc clear"):
            assert shown in footer, (shown, footer)
        assert "0-9 log" in footer  # digits still: they go on the line
        for gone in ("breakthrough", "q quit"):  # refused on the line, not the dashboard's now
            assert gone not in footer, (gone, footer)
        await pilot.press("escape")
        await helpers.until(pilot, lambda: "0-9 log" in _footer(app) and "q quit" in _footer(app),
                            what="the dashboard's keys again")


async def test_tab_from_the_panels_does_not_stop_on_the_empty_line(demo_pb, make_app, helpers):
    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        seen = []
        for _ in range(4):
            was = app.focused
            await pilot.press("tab")
            await helpers.until(pilot, lambda: app.focused is not was, what="the focus to move")
            seen.append(type(app.focused).__name__)
        assert "QuickScore" not in seen and {"PlanChecklist", "TodayPanel"} <= set(seen), seen
        assert not isinstance(app.screen, LogEntryDialog)


async def test_a_read_only_session_has_no_quick_log_line(demo_db, make_app, helpers):
    from painboard.config import Settings
    from painboard.services import Painboard

    app = make_app(Painboard(Settings.load(db=demo_db, read_only=True)))
    helpers.said(app, keep=True)  # the refusal's toast stays up until the test has read it
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await helpers.settle(pilot)
        assert "Log pain now" not in helpers.text(app) and not app.screen.query(QuickLog)
        await pilot.press("6", "enter")
        await helpers.until(pilot, lambda: "read-only session: logging is off" in helpers.text(app),
                            what="the refusal")
        await helpers.settle(pilot)  # the Enter too
        assert isinstance(app.focused, PlanChecklist)
