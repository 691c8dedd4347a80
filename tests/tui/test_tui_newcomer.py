"""What a newcomer must find on screen: every metric (a plugin's too) at 80x24 and 150x60."""

from __future__ import annotations

import os

import pytest

from painboard.config import Settings
from painboard.services import Painboard
from painboard.tui.screens.main import MainScreen
from painboard.tui.screens.metrics import MetricsScreen
from painboard.tui.widgets.today import TodayPanel

PLUGIN = '''
from painboard.plugin_api import Metric, MetricValue, hookimpl


def days_logged(view):
    daily = view.daily_pain()
    return MetricValue(value=len(daily), text=f"{len(daily)} of {len(view.days())} days logged zz")


@hookimpl
def register_metrics(register):
    register(Metric(name="days-logged", label="Days logged zz", unit="days", compute=days_logged))
'''


@pytest.fixture
def plugin_pb(demo_db, tmp_path, monkeypatch) -> Painboard:
    folder = tmp_path / "plugins"
    folder.mkdir(mode=0o700)
    (folder / "days_logged.py").write_text(PLUGIN)
    monkeypatch.delenv("PAINBOARD_LOAD_PLUGINS", raising=False)
    return Painboard(Settings.load(db=demo_db, plugins_dir=folder))


def _expected_days_logged(pb: Painboard) -> str:
    # By hand from the rows: local days with at least one entry in the last 7 days.
    today = pb.today()
    days = {pb.local(e["occurred_at"]).date() for e in pb.entries(None, None)}
    n = sum(1 for d in days if 0 <= (today - d).days < 7)
    return f"{n} of 7 days logged zz"


def _panel_labels(pb: Painboard) -> list[str]:
    return [m.label for m in pb.compute_metrics() if "dashboard" in m.shown]


async def test_plugin_metric_on_screen_at_150x60_without_scrolling(plugin_pb, make_app, helpers):
    app = make_app(plugin_pb)
    async with app.run_test(size=(150, 60)) as pilot:
        await helpers.settle(pilot)
        text = helpers.text(app)
        for label in _panel_labels(plugin_pb):
            assert label in text, label
        assert "Days logged zz" in text
        panel = app.screen.query_one(TodayPanel)
        assert panel.max_scroll_y == 0
        # The panels grow with the terminal: more rows than at 80x24's fixed 9.
        assert app.screen.query_one("#panels").size.height > 20


async def test_every_metric_reachable_at_80x24_by_scrolling_and_in_the_metrics_view(plugin_pb, make_app, helpers):
    app = make_app(plugin_pb)
    async with app.run_test(size=(80, 24)) as pilot:
        await helpers.settle(pilot)
        assert "Days logged zz" not in helpers.text(app)  # more metrics than rows
        panel = app.screen.query_one(TodayPanel)
        assert panel.max_scroll_y > 0
        # Tab moves focus to the panel; its title shows reversed; arrows scroll it.
        while app.focused is not panel:
            was = app.focused
            await pilot.press("tab")
            await helpers.until(pilot, lambda: app.focused is not was, what="the focus to move")
        await pilot.pause()
        assert panel.has_focus and panel.build().spans[0].style == "bold reverse"
        seen = set()
        for _ in range(panel.max_scroll_y + 1):
            seen |= {label for label in _panel_labels(plugin_pb) if label in helpers.text(app)}
            target = panel.scroll_target_y
            await pilot.press("down")
            # the arrow's binding runs as the key comes back up to the app, then the scroll
            await helpers.until(pilot, lambda: panel.scroll_target_y != target or target >= panel.max_scroll_y,
                                what="the arrow")
            await helpers.until(pilot, lambda: panel.scroll_y == panel.scroll_target_y, what="the scroll")
        seen |= {label for label in _panel_labels(plugin_pb) if label in helpers.text(app)}
        assert seen == set(_panel_labels(plugin_pb))
        assert panel.scroll_y == panel.max_scroll_y

        await pilot.press("M")
        # pushed, then drawn (its size, and so how far it scrolls, comes with the layout)
        await helpers.until(pilot, lambda: isinstance(app.screen, MetricsScreen)
                            and "Metrics, last 7 days" in helpers.text(app), what="the metrics view")
        view = app.screen.query_one("#metrics-dialog")
        texts = []
        for _ in range(20):
            texts.append(helpers.text(app))
            if view.scroll_y >= view.max_scroll_y:
                break
            target = view.scroll_target_y
            await pilot.press("pagedown")
            await helpers.until(pilot, lambda: view.scroll_target_y != target, what="the page down")
            await helpers.until(pilot, lambda: view.scroll_y == view.scroll_target_y, what="the scroll")
        text = "\n".join(texts)
        assert _expected_days_logged(plugin_pb) in text
        assert "(days_logged)" in text  # the plugin it comes from
        assert "worth raising with your care team" in text  # the legend of ▲ and ▲▲
        await pilot.press("escape")
        await helpers.until(pilot, lambda: isinstance(app.screen, MainScreen), what="the view closed")


async def test_metrics_in_the_palette(demo_pb, make_app, helpers):
    app = make_app(demo_pb)
    async with app.run_test(size=(80, 24)) as pilot:
        await helpers.settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"metrics")
        await helpers.until(pilot, lambda: "Every metric" in helpers.text(app), what="palette hit")
        await pilot.press("enter")
        # pushed is not yet drawn: its text once it is on the screen
        await helpers.until(pilot, lambda: isinstance(app.screen, MetricsScreen)
                            and "Average pain" in helpers.text(app), what="the metrics view")


# -- readable in every theme, 16 colours and NO_COLOR; the theme and range are kept ---------

def _pb_now(demo_db, score: int) -> Painboard:
    from painboard.models import utcnow  # frozen by the tui_env fixture

    pb = Painboard(Settings.load(db=demo_db))
    pb.log_pain(intensity=score, occurred_at=utcnow())
    return pb


def _cell_colours(app, needle: str):
    """The (foreground, background, reverse) of the first cell of needle on screen."""
    for strip in app.screen._compositor.render_strips():
        text = strip.text
        at = text.find(needle)
        if at < 0:
            continue
        x = 0
        for seg in strip:
            if x <= at < x + len(seg.text):
                return seg.style
            x += len(seg.text)
    raise AssertionError(f"{needle!r} not on screen")


def _drawn(style, app):
    """The colours the terminal shows for a segment, after Textual's filters (NO_COLOR greys)."""
    from rich.segment import Segment
    from textual.color import Color

    seg = Segment("x", style)
    background = Color.parse(app.get_css_variables()["background"])
    for f in app._filters:
        seg = f.apply([seg], background)[0]
    st = seg.style
    fg, bg = Color.from_rich_color(st.color), Color.from_rich_color(st.bgcolor)
    if st.reverse:
        fg, bg = bg, fg
    return fg, bg


async def test_severe_now_readable_under_no_color(demo_db, make_app, helpers, monkeypatch):
    from painboard.tui.colours import contrast

    pb = _pb_now(demo_db, 7)
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(pb)
    assert app.no_color
    async with app.run_test(size=(80, 24)) as pilot:
        await helpers.settle(pilot)
        assert "now 7/10" in helpers.text(app)
        style = _cell_colours(app, "7/10")
        assert style.reverse and style.bold
        fg, bg = _drawn(style, app)
        assert contrast(fg, bg) >= 4.5, (fg, bg)


def test_score_and_level_colours_pass_wcag_in_every_theme():
    """The styles band_style returns, against each built-in theme's background."""
    import asyncio

    from textual.app import App
    from textual.theme import BUILTIN_THEMES

    from painboard.tui.colours import MIN_CONTRAST, band_style, contrast

    class A(App):
        pass

    async def check():
        app = A()
        out = {}
        async with app.run_test() as pilot:
            for name in BUILTIN_THEMES:
                app.theme = name
                await pilot.pause()
                bg = app.get_css_variables()["background"]
                for band in ("severe", "moderate", "mild", "nil"):
                    st = band_style(app, band)
                    if bg.startswith("ansi_"):
                        assert st.split()[-1] in ("red", "yellow", "green"), (name, st)  # the terminal's own
                        continue
                    colour = st.split()[-1]
                    out[(name, band)] = contrast(colour, bg)
        return out

    ratios = asyncio.run(check())
    assert len(ratios) >= 4 * (len(BUILTIN_THEMES) - 2)
    low = {k: round(v, 2) for k, v in ratios.items() if v < MIN_CONTRAST}
    assert not low, low


def test_contrast_ratio_by_hand():
    from painboard.tui.colours import contrast, readable

    assert round(contrast("#000000", "#FFFFFF"), 2) == 21.0
    assert round(contrast("#777777", "#FFFFFF"), 2) == 4.48  # WCAG's own borderline grey
    # A too-faint colour is blended toward the foreground until it passes.
    fixed = readable("#F0F0F0", "#FFFFFF", "#000000")
    assert contrast(fixed, "#FFFFFF") >= 4.5


@pytest.mark.parametrize("theme", ["catppuccin-latte", "textual-light", "solarized-light", "textual-dark"])
async def test_dividers_visible_in_theme(theme, demo_pb, make_app, helpers):
    from textual.color import Color

    from painboard.tui.colours import contrast

    app = make_app(demo_pb)
    async with app.run_test(size=(80, 24)) as pilot:
        app.theme = theme
        await helpers.settle(pilot)
        style = _cell_colours(app, "│ Plan")
        fg, bg = Color.from_rich_color(style.color), Color.from_rich_color(style.bgcolor)
        assert contrast(fg, bg) >= 3, (theme, fg.hex, bg.hex)  # WCAG 1.4.11: 3:1 for a line


async def test_theme_and_range_kept_in_the_settings_file(demo_pb, make_app, helpers):
    import stat
    import tomllib

    from painboard.config import config_path

    path = config_path()
    assert not path.exists()
    app = make_app(demo_pb)
    async with app.run_test(size=(80, 24)) as pilot:
        await helpers.settle(pilot)
        app.theme = "nord"
        await pilot.press("w")
        await helpers.until(pilot, lambda: app.range_label == "7d", what="the range 7d")
        await helpers.settle(pilot)
        await helpers.until(pilot, lambda: path.exists() and b"nord" in path.read_bytes()
                            and b"7d" in path.read_bytes(), what="the settings file")
    assert tomllib.loads(path.read_text()) == {"theme": "nord", "range": "7d"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # A new session opens with them.
    app2 = make_app(Painboard(Settings.load(db=demo_pb.settings.db_path)))
    async with app2.run_test(size=(80, 24)) as pilot:
        await helpers.settle(pilot)
        assert app2.theme == "nord" and app2.range_label == "7d"
        assert "Pain, 7 days" in helpers.text(app2)


def test_settings_file_keys(tmp_path, monkeypatch):
    from datetime import time

    from painboard.config import save_config

    path = tmp_path / "c" / "config.toml"
    monkeypatch.setenv("PAINBOARD_CONFIG", str(path))
    monkeypatch.delenv("PAINBOARD_TZ", raising=False)
    monkeypatch.delenv("TZ", raising=False)
    save_config({"night_start": "23:30", "night_end": "07:00", "tz": "Asia/Tokyo", "theme": 'odd "name"'})
    s = Settings.load(db=tmp_path / "x.db")
    assert s.night_start == time(23, 30) and s.night_end == time(7, 0)
    assert s.tz.key == "Asia/Tokyo" and s.theme == 'odd "name"'
    assert oct(path.parent.stat().st_mode & 0o777) == "0o700"


@pytest.mark.parametrize("mode", ["no_color", "ansi"])
def test_snapshot_severe_now(mode, demo_db, make_app, helpers, snap_compare, monkeypatch):
    """now 7/10 under NO_COLOR (reversed) and in the 16-colour theme."""
    pb = _pb_now(demo_db, 7)
    app, before = helpers.in_colour_mode(mode, monkeypatch, lambda: make_app(pb))
    assert snap_compare(app, terminal_size=(80, 24), run_before=before)


async def test_range_brackets_stop_at_the_ends(demo_pb, make_app, helpers):
    app = make_app(demo_pb)
    async with app.run_test(size=(80, 24)) as pilot:
        await helpers.settle(pilot)
        # settle waits for the keys' bindings too (they run as the keys come back up to the app)
        await pilot.press("w", "left_square_bracket")
        await helpers.settle(pilot)
        assert app.range_label == "7d"
        await pilot.press("a", "right_square_bracket")
        await helpers.settle(pilot)
        assert app.range_label == "all"
        await pilot.press("left_square_bracket")
        await helpers.until(pilot, lambda: app.range_label != "all", what="the shorter range")
        await helpers.settle(pilot)
        assert app.range_label == "1y"
