"""bench/run.py's results as a table, or as the README's Markdown rows."""

from __future__ import annotations


def _targets():
    from run import FIGURE_OF, FLOOR_OF, TARGETS

    return TARGETS, FIGURE_OF, FLOOR_OF


def print_table(results: dict) -> None:
    TARGETS, FIGURE_OF, FLOOR_OF = _targets()
    print(f"painboard benchmarks ({'quick, ' if results['quick'] else ''}{results['entries']:,} entries) "
          f"on {results['machine']}; {results['compiled']}")
    if "note" in results:
        print(results["note"])
    print(f"{'figure (median)':<30}{'value':>8}  {'target':<7} met  load  floor")
    for k, (t, op) in TARGETS.items():
        fig = FIGURE_OF[k]
        print(f"{k:<30}{results[k]:>8.2f}  {op}{t:<5}  {'yes' if results['met'][k] else 'NO ':<3}  "
              f"{results['load'][fig]:>4.1f}  {FLOOR_OF[fig]}")
    r = results
    print(f"startup in the terminal: bare app {r['startup_terminal_floor_ms']:.0f} ms; painboard first frame "
          f"{r['startup_terminal_paint_ms']:.0f} ms, first figures {r['startup_terminal_data_ms']:.0f} ms, "
          f"everything {r['startup_terminal_all_ms']:.0f} ms")
    print(f"refresh: 30 days {r['refresh_ms_1m']:.1f} ms, 1 year {r['refresh_ms_1m_year']:.1f} ms, all "
          f"{r['refresh_ms_1m_all']:.1f} ms; DuckDB connect+query+close {r['refresh_floor_ms']:.1f} ms "
          f"(attach+query+detach on a kept instance {r['refresh_floor_attach_ms']:.1f} ms)")
    print(f"quick log: the digit shown on the quick log line {r['quick_log_shown_ms']:.0f} ms, saved and 'now N/10' "
          f"shown {r['quick_log_saved_ms']:.0f} ms; bare Input echo {r['quick_log_floor_ms']:.1f} ms")
    print(f"painboard log 5: {r['cli_log_ms']:.0f} ms; python -c duckdb insert {r['cli_log_floor_ms']:.0f} ms")
    print(f"peak RSS: painboard {r['rss_mb']:.0f} MB, bare app {r['rss_floor_mb']:.0f} MB; peak PSS (shared "
          f"pages counted once): painboard {r['pss_mb']:.0f} MB, bare app {r['pss_floor_mb']:.0f} MB")
    if "rss_floor_forked_mb" in r:
        print(f"peak RSS of the bare app with DuckDB reading the same file: in its own process "
              f"{r['rss_floor_duckdb_mb']:.0f} MB, in a forked child as painboard's first read "
              f"{r['rss_floor_forked_mb']:.0f} MB")
    if "import_ratio" in r:
        print(f"CSV import: {r['import_rows_per_s']:,.0f} rows/s, {r['import_ratio']:.2f} of read_csv's; "
              f"import child at 1M rows: peak {r['import_rss_mb']:.0f} MB, {r['import_rows_ratio']:.2f} of read_csv's rows/s")
    if "series" in r:
        print(f"\n{'entries':>10}{'30 days ms':>12}{'1 year ms':>11}{'all ms':>9}{'floor ms':>10}{'RSS MB':>8}"
              f"{'PSS MB':>8}  load")
        for n, row in r["series"].items():
            print(f"{int(n):>10,}{row['refresh_ms_30d']:>12.1f}{row['refresh_ms_1y']:>11.1f}"
                  f"{row['refresh_ms_all']:>9.1f}{row['floor_ms']:>10.1f}{row['rss_mb']:>8.0f}"
                  f"{row['pss_mb']:>8.0f}  {row['load']:.1f}")



# The README's words for each figure, and for its floor's value in the same run.
WORDS = {"startup_terminal_paint_ratio": ("first frame, `painboard` in an 80x24 terminal", "startup_terminal_paint_ms"),
         "startup_terminal_data_ratio": ("first figures on screen (same)", "startup_terminal_data_ms"),
         "startup_terminal_all_ratio": ("everything drawn, metrics included (same)", "startup_terminal_all_ms"),
         "refresh_ratio_1m_30d": ("refresh, 30-day view", "refresh_ms_1m"),
         "refresh_ratio_1m_year": ("refresh, 1-year view", "refresh_ms_1m_year"),
         "refresh_ratio_1m_all": ("refresh, all 10 years", "refresh_ms_1m_all"),
         "quick_log_ratio": ("quick log: digit to the frame showing it on the line", "quick_log_shown_ms"),
         "cli_log_ratio": ("`painboard log 5`, whole process", "cli_log_ms"),
         "rss_mb": ("dashboard peak RSS (its first-read process included)", "rss_mb")}
FLOOR_MS = {"startup": "startup_terminal_floor_ms", "refresh": "refresh_floor_ms", "quick_log": "quick_log_floor_ms",
            "cli_log": "cli_log_floor_ms", "rss": "rss_floor_mb"}


def print_markdown(r: dict) -> None:
    TARGETS, FIGURE_OF, FLOOR_OF = _targets()
    print("| figure | value | floor in the same run | ratio | target | met | load |")
    print("|---|---|---|---|---|---|---|")
    for k, (t, op) in TARGETS.items():
        fig = FIGURE_OF[k]
        words, value = WORDS[k]
        unit = "MB" if fig == "rss" else "ms"
        floor = f"{FLOOR_OF[fig]}: {r[FLOOR_MS[fig]]:.0f} {unit}"
        ratio = "-" if fig == "rss" else f"{r[k]:.2f} x"
        print(f"| {words} | {r[value]:.0f} {unit} | {floor} | {ratio} | {op} {t} | "
              f"{'yes' if r['met'][k] else 'no'} | {r['load'][fig]:.1f} |")
    if "pss_mb" in r:  # the RSS sum counts pages the dashboard and its first-read process share twice
        print(f"\nPeak PSS (pages shared by the dashboard and its first-read process counted once): "
              f"{r['pss_mb']:.0f} MB; bare app {r['pss_floor_mb']:.0f} MB.")
    if "rss_floor_forked_mb" in r:  # the two designs' floors: no painboard, DuckDB reading the file
        print(f"\nPeak RSS of the bare app with DuckDB reading the same file (no painboard): "
              f"{r['rss_floor_duckdb_mb']:.0f} MB in one process, {r['rss_floor_forked_mb']:.0f} MB "
              f"with the read in a forked child, as the dashboard's first read.")
