"""Parquet of the period's pain entries, written by DuckDB itself (no pyarrow needed)."""

from __future__ import annotations

from typing import BinaryIO

from painboard.hookspecs import hookimpl
from painboard.plugin_api import Exporter, PeriodView


def write_parquet(view: PeriodView, out: BinaryIO) -> int:
    out.flush()
    return view.write_entries_parquet(out.name)


@hookimpl
def register_exporters(register):
    register(Exporter(name="parquet", extension=".parquet", label="Parquet (pain entries)",
                      write=write_parquet,
                      description="Pain entries as a Parquet table, for pandas, polars or DuckDB."))
