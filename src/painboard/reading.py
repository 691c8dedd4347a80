"""The use-cases that read: the dashboard's snapshot, the metrics and the exports.

Painboard (services.py) inherits them, so they are called as before (pb.snapshot(),
pb.compute_metrics(), pb.export()). Here is painboard's one metric runner (_metrics_over):
every registered metric under the plugin deadline (deadline.py), for the dashboard,
`painboard metrics`, the insights view, and the reports (an exporter that says
``uses_metrics`` finds the results on ``view.metric_results``). No SQL and never Textual.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, fields
from datetime import date, timedelta
from typing import Any

from painboard import collector, readmodel
from painboard.deadline import Deadline, Overran, PluginRunner, run_with_deadline
from painboard.errors import BadInput, PluginError
from painboard.figures.period import figures_of, omed_events_since
from painboard.figures.radiation import BASELINE_DAYS, COURSE_LOOK_BACK
from painboard.models import utcnow
from painboard.readmodel import Snapshot
from painboard.store import repository as repo


@dataclass
class ExportResult:
    format: str
    path: Any  # Path, or None when written to stdout
    count: int


class Reading:
    """Painboard's reading use-cases (a part of painboard.services.Painboard)."""

    # -- what the dashboard shows ----------------------------------------------------------
    def snapshot(self, range_days: int | None = 30, recent: int = 8, day: date | None = None,
                 metrics: bool = True) -> Snapshot:
        """One read unit of work, read through one period view, for the whole dashboard.

        range_days None means from the first entry. metrics=False leaves the plugins unloaded
        and ``metrics`` None (not read yet): the dashboard's first read (first_read.py)."""
        day = day or self.today()
        until = day + timedelta(days=1)
        if metrics:
            self.registry  # loaded before the file is held: a plugin's import may be slow
        with self.db.unit_of_work() as con, collector.paused():
            week = self.period_view(con, day - timedelta(days=6), until)
            if range_days is None:
                start = week.first_entry_day() or day
            else:
                start = day - timedelta(days=range_days - 1)
            # The trend's per-day figures are read once for the longest period, and the week's
            # events once; the shorter periods are cut from what was read. The days are read
            # from as far back as the week's radiation figures look (a course's baseline).
            view = week.narrow(min(start, week.start), until)
            view.read_days(min(start, week.start - COURSE_LOOK_BACK - timedelta(days=BASELINE_DAYS)), until)
            try:
                trend = readmodel.build_trend(view, start, day)
                # the week's events from as far back as its figures read them (a patch's wear
                # time, a radiation course's baseline), and those due in it, in one read
                week.read_events(figures_of(week).events_from if metrics else omed_events_since(week.start), until)
                data = readmodel.day_data(week, day)
                newest = week.newest_entries(max(recent, 1))
                return Snapshot(revision=week.revision(),
                                today=readmodel.build_today(week, day, data, newest[0] if newest else None),
                                checklist=readmodel.build_checklist(week, day, utcnow(), data), trend=trend,
                                recent=newest[:recent], warning_signs=self.banner_signs(week.unreported_signs()),
                                metrics=self._metrics_over(con, view=week) if metrics else None)
            finally:
                view.close()
                week.close()

    def week_metrics(self, day: date) -> tuple[int, list]:
        """The revision and the metrics over the week a snapshot of ``day`` shows them for:
        the dashboard's first read sends them after its snapshot (first_read.py)."""
        self.registry  # loaded before the file is held: a plugin's import may be slow
        with self.db.unit_of_work() as con:
            week = self.period_view(con, day - timedelta(days=6), day + timedelta(days=1))
            try:
                return week.revision(), self._metrics_over(con, view=week)
            finally:
                week.close()

    def revision(self) -> int:
        return self.db.revision(retry=False)

    # -- plugins: import, export, metrics ----------------------------------------------------
    @property
    def registry(self):
        """The plugin registry (built-ins, entry points, the plugins folder), loaded once."""
        reg = self.__dict__.get("_registry")
        if reg is None:
            from painboard.plugins import load_registry

            reg = self.__dict__["_registry"] = load_registry(self.settings.plugins_dir)
        return reg

    def use_registry(self, registry) -> None:
        self.__dict__["_registry"] = registry

    def exporters(self) -> list:
        return list(self.registry.exporters.values())

    def plugin_list(self) -> list:
        return list(self.registry.plugins)

    def period_view(self, con, since: date | None = None, until: date | None = None,
                    default_days: int | None = 7):
        """A read-only view of [since, until) for metrics and exporters (until exclusive).

        since None: ``default_days`` back from until, or from the first record when None.
        """
        from painboard.store.period_view import PeriodView

        until = until or self.today() + timedelta(days=1)
        if since is None:
            if default_days is None:
                first = repo.first_record_at(con)
                since = min(self.local(first).date(), until - timedelta(days=1)) if first else \
                    until - timedelta(days=1)
            else:
                since = until - timedelta(days=default_days)
        if since >= until:
            raise BadInput("must be before --until", field="since")
        return PeriodView(con, since, until, self.tz, utcnow(), self.settings.night_start,
                          self.settings.night_end)

    def compute_metrics(self, since: date | None = None, until: date | None = None) -> list:
        self.registry  # plugins are loaded (their import may be slow) before the file is held
        with self.db.unit_of_work() as con:
            return self._metrics_over(con, since, until)

    def _metrics_over(self, con, since: date | None = None, until: date | None = None,
                      view=None, shown: str | None = None, deadline: Deadline | None = None,
                      names: tuple[str, ...] | None = None) -> list:
        """Every registered metric over one read view; a metric that raises is reported in place.
        The one metric runner: the dashboard, `painboard metrics`, the insights view and the
        reports (``shown="report"``: those a report shows) all get their results from here.

        The metrics run one after another in one call to the plugin thread (a hand-over per
        metric cost ~0.3 ms each, more on a busy machine). When the deadline passes, the one
        running is reported as too long and those after it run in a new call, as before.
        A caller's view (the snapshot's week) is used as it is, and closed by the caller."""
        from painboard.plugins import MetricResult

        own = view is None
        view = view or self.period_view(con, since, until)
        wanted = [m for m in self.registry.sorted_metrics()
                  if (shown is None or shown in m.shown) and (names is None or m.name in names)]
        out: list = []
        # one deadline shared: all metrics together (an export's: time without progress)
        runner = PluginRunner(deadline or Deadline(), con)
        try:
            while len(out) < len(wanted):
                series = _Series(wanted[len(out):], view, self.registry.owner)
                try:
                    runner.run(series.run)
                    out.extend(series.done)
                except Overran as exc:
                    out.extend(series.abandon())
                    m = wanted[len(out)]
                    out.append(MetricResult(**_base(m, self.registry.owner), text="took too long",
                                            error=f"{exc}; skipped (see 'painboard plugins')"))
        finally:
            runner.close()
            if own:
                view.close()
        return out

    def export(self, fmt: str, out, since: date | None = None, until: date | None = None,
               options: dict[str, str] | None = None, force: bool = False):
        """Stream a period to a file through an exporter; no partial file is ever left.

        Returns an ExportResult (format, path, count); out "-" writes to stdout (path None).
        ``options``: the exporter's own settings (``--option KEY=VALUE``), on ``view.options``.
        The safe-output rule applies (never over the database, never from a read-only session,
        an existing file only with ``force``).
        """
        from painboard import import_export
        from painboard.safe_output import check_target, database_files, write_file

        exporter = self.registry.exporter(fmt)
        exporter.check_options(options)  # only declared settings reach the plugin; nothing written yet
        guard = dict(protected=database_files(self.db.path), read_only=self.settings.read_only, force=force)
        check_target(out, **guard)  # refused before any plugin code runs

        def run(fh):
            with self.db.unit_of_work() as con:
                view = self.period_view(con, since, until, default_days=None)
                view.options = dict(options or {})
                repo.watch_queries(con)
                try:  # an exporter stuck holding the file is stopped; safe_output removes its file
                    wanted = exporter.uses_metrics
                    if wanted:  # a report words the runner's results
                        view.metric_results = self._metrics_over(
                            con, view=view, shown="report", deadline=Deadline(idle=True),
                            names=None if wanted is True else wanted)
                    return run_with_deadline(lambda: exporter.write(view, fh), Deadline(idle=True), con)
                finally:
                    view.close()

        try:
            path, count = write_file(out, run, **guard)
        except Overran as exc:
            raise PluginError(f"exporter {exporter.name!r} {exc}: stopped; nothing was written") from None
        except BrokenPipeError:  # '-o - | head': the reader had enough, not the exporter's fault
            raise
        except Exception as exc:
            raise import_export.describe_failure("exporter", exporter.name, exc) from exc
        return ExportResult(format=exporter.name, path=path, count=count)



def _base(m, owner: dict) -> dict[str, Any]:
    """A metric's result fields that do not depend on what it computed."""
    return dict(name=m.name, label=m.label, unit=m.unit, shown=m.shown, plugin=owner.get(("metrics", m.name)))


class _Series:
    """Metrics computed one after another in the plugin thread; ``done`` holds their results
    in order. Once abandoned (the deadline passed), results that come later are dropped."""

    def __init__(self, metrics: list, view, owner: dict):
        self.metrics, self.view, self.owner = metrics, view, owner
        self.done: list = []
        self._lock = threading.Lock()
        self._abandoned = False

    def run(self) -> None:
        for m in self.metrics:
            result = self._one(m)
            with self._lock:
                if self._abandoned:
                    return
                self.done.append(result)

    def abandon(self) -> list:
        """The results finished so far; the metric after them is the one that overran."""
        with self._lock:
            self._abandoned = True
            return list(self.done)

    def _one(self, m):
        from painboard.plugins import MetricResult, MetricValue, describe_error

        try:
            v = m.compute(self.view)
            if not isinstance(v, MetricValue):
                v = MetricValue.model_validate(v)
            # the fields as they are: model_dump's deep copy of the details cost ~1.5 ms a refresh
            return MetricResult(**_base(m, self.owner), **{f.name: getattr(v, f.name) for f in fields(v)})
        except Exception as exc:  # one metric's failure stays in its own tile
            failed = MetricResult(**_base(m, self.owner), text="could not be computed", error=describe_error(exc))
            self.view.recover()  # a failed query aborts the read transaction: begin a fresh one
            return failed
