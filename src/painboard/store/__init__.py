"""DuckDB storage: the only package that imports duckdb."""

from painboard.store.connection import Database

__all__ = ["Database"]
