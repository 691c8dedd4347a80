"""A tutorial plugin: one metric and one export format.

Copy this file into your plugins folder (see 'painboard plugins' or docs/plugins.md):

    mkdir -p ~/.config/painboard/plugins && chmod 700 ~/.config/painboard/plugins
    cp examples/plugins/good_days.py ~/.config/painboard/plugins/

Then 'painboard metrics' shows "Days with worst pain 4 or less" and 'painboard export tsv -o log.tsv' works.
"""

from painboard.plugin_api import Exporter, Metric, MetricValue, hookimpl

__version__ = "1.0"


def good_days(view):
    """Days whose worst logged pain was 4 or less (background pain counts as controlled at 4/10 or less: Davies et al., 2009)."""
    daily = view.daily_pain()  # one row per local day with entries: day, average, worst, least, n
    good = [d for d in daily if d["worst"] <= 4]
    by_day = {d["day"]: 1.0 if d["worst"] <= 4 else 0.0 for d in daily}
    return MetricValue(
        value=len(good),
        text=f"{len(good)} of {len(daily)} days with entries had worst pain 4 or less",
        series=[by_day.get(day) for day in view.days()],  # one value per day; None = no entries
        level="ok",
    )


def write_tsv(view, out):
    """Tab-separated pain entries: date, time, intensity, sites. Returns the number written."""
    out.write(b"date\ttime\tintensity\tsites\n")
    n = 0
    for e in view.iter_entries():  # streams, oldest first
        local = e["occurred_at"].astimezone(view.tz)
        line = f"{local:%Y-%m-%d}\t{local:%H:%M}\t{e['intensity']}\t{', '.join(e['sites'] or [])}\n"
        out.write(line.encode("utf-8"))
        n += 1
    return n


@hookimpl
def register_metrics(register):
    register(Metric(name="good-days", label="Days with worst pain 4 or less", unit="days",
                    compute=good_days))


@hookimpl
def register_exporters(register):
    register(Exporter(name="tsv", extension=".tsv", label="Tab-separated (pain entries)", write=write_tsv))
