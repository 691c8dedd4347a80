"""User text on the dashboard is shown as typed: never read as markup, never a terminal escape."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Input

from painboard.tui.dialogs.log_entry import LogEntryDialog
from painboard.tui.screens.main import MainScreen
from painboard.tui.widgets.checklist import PlanChecklist

SIZE = (100, 30)


async def test_a_plan_item_named_like_markup_ticks_and_shows_literally(demo_pb, make_app, helpers):
    item = demo_pb.add_plan_item(name="Evil [/] [bold]x", kind="scheduled", rrule="FREQ=DAILY;BYHOUR=8;BYMINUTE=0",
                                  category="supportive")
    app = make_app(demo_pb)
    helpers.said(app, keep=True)  # the toast (3 s) stays up until the test has read it drawn
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await helpers.settle(pilot)
        checklist = app.screen.query_one(PlanChecklist)
        index = next(i for i, l in enumerate(checklist.lines) if l.item_id == item.id)
        checklist.focus()
        checklist.highlighted = index
        await pilot.press("space")
        await helpers.settle(pilot)
        await helpers.until(pilot, lambda: any(n.message.endswith("Evil [/] [bold]x") for n in app._notifications),
                            what="the toast")
        # the toast drawn (its name alone is on the screen already, in the checklist)
        await helpers.until(pilot, lambda: "ticked: Evil [/] [bold]x" in helpers.text(app)
                            or "recorded: Evil [/] [bold]x" in helpers.text(app), what="the toast drawn")
        assert isinstance(app.screen, MainScreen)  # the app did not exit on a MarkupError
        assert "Evil [/] [bold]x" in helpers.text(app)  # in the checklist and in the toast
        assert any(n.message.endswith("Evil [/] [bold]x") for n in app._notifications)
    assert any(l.item_id == item.id and l.state == "done" for l in demo_pb.snapshot().checklist)


async def test_markup_in_the_when_field_is_an_error_message_not_a_crash(demo_pb, make_app, helpers):
    before = demo_pb.counts()["pain_entry"]
    app = make_app(demo_pb)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await helpers.settle(pilot)
        await pilot.press("l")
        await helpers.until(pilot, lambda: isinstance(app.screen, LogEntryDialog), what="the log form")
        dialog = app.screen
        dialog.query_one("#intensity", Input).value = "5"
        dialog.query_one("#at", Input).value = "[/] yesterday"
        dialog.query_one("#note", Input).value = "kept [red]"
        await pilot.press("enter")
        await helpers.until(pilot, lambda: "'[/] yesterday' is not a time" in helpers.text(app), what="the refusal")
        assert app.screen is dialog  # still open, what was typed is kept
        assert dialog.query_one("#note", Input).value == "kept [red]"
    assert demo_pb.counts()["pain_entry"] == before


async def test_toasts_and_recent_entries_show_text_as_typed(demo_pb, make_app, helpers, tui_env):
    demo_pb.log_pain(intensity=3, occurred_at=tui_env - timedelta(minutes=1), sites=["hip\x1b]0;PWNED\x07\x1b[41m"],
                     note="two\nlines [red]x")
    app = make_app(demo_pb)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await helpers.settle(pilot)
        app.notify("Morph [red]\x1b]52;c;aGk=\x07 taken")
        await pilot.pause()
        toast = app._notifications
        messages = [n.message for n in toast]
        assert "Morph [red]\ufffd taken" in messages
        assert all(not n.markup for n in toast)
        from painboard.tui.widgets.recent import RecentEntries

        shown = app.screen.query_one(RecentEntries).render().plain  # the panel's whole line, before it is cut
        assert "two↵lines [red]x" in shown and "hip\ufffd" in shown
        assert "\x1b" not in shown and "\x07" not in shown and "\x1b" not in helpers.text(app)


async def test_a_quick_log_is_stamped_when_its_key_was_pressed(demo_pb, make_app, helpers, tui_env):
    from painboard import models

    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        await pilot.press("7")
        await helpers.until(pilot, lambda: helpers.quick_score(app) == "7", what="the quick log")
        models.freeze_clock(tui_env + timedelta(seconds=22))  # saved later (a busy database, a slow hand)
        await pilot.press("enter")
        await helpers.settle(pilot)
    newest = demo_pb.entries(newest_first=True, limit=1)[0]
    assert newest["intensity"] == 7 and newest["occurred_at"] == tui_env


async def test_escapes_in_plan_and_trigger_names_never_reach_the_terminal_in_the_list_views(
        demo_pb, make_app, helpers):
    """The plan list, the metrics view and the insights view show user words: cleaned there too."""
    from painboard.tui.screens.insights import InsightsScreen
    from painboard.tui.screens.lists import ListScreen
    from painboard.tui.screens.metrics import MetricsScreen

    evil = "\x1b]0;PWNED\x07\x1b[41m"
    demo_pb.add_plan_item(name=f"Calm{evil}tea", kind="as_needed", category="supportive")
    for minutes in range(30, 30 * 16, 30):  # 15: the most frequent trigger, so it is listed
        demo_pb.record_episode(peak=7, trigger=f"stairs{evil}", onset=demo_pb.local(
            demo_pb.entries(newest_first=True, limit=1)[0]["occurred_at"]) - timedelta(minutes=minutes))
    app = make_app(demo_pb)
    async with app.run_test(size=(120, 40)) as pilot:
        await helpers.settle(pilot)
        await app.main_screen.run_action("plan_list")
        await helpers.until(pilot, lambda: isinstance(app.screen, ListScreen) and app.screen.loaded
                            and "Calm" in helpers.text(app), what="the plan list")
        assert "\x1b" not in helpers.text(app) and "Calm�" in helpers.text(app)
        app.pop_screen()
        await pilot.press("M")
        await helpers.until(pilot, lambda: isinstance(app.screen, MetricsScreen)
                            and "Metrics, last 7 days" in helpers.text(app), what="the metrics view drawn")
        assert "\x1b" not in helpers.text(app)
        app.pop_screen()
        await pilot.press("i")
        await helpers.until(pilot, lambda: isinstance(app.screen, InsightsScreen)
                            and "stairs" in helpers.text(app), what="the insights")
        assert "\x1b" not in helpers.text(app) and "stairs�" in helpers.text(app)
