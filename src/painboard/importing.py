"""The use-cases that import a file: telling its format, running the import in a limited child
process (import_child.py) and the staged, all-or-nothing write. Painboard (services.py)
inherits them, so they are called as before (pb.import_file()). No SQL and never Textual.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from painboard.errors import BadInput, PainboardError, ReadOnly
from painboard.store import repository as repo


@dataclass
class ImportResult:
    format: str
    path: Any
    read: dict[str, int]
    added: dict[str, int]
    skipped: dict[str, int] = field(default_factory=dict)  # rows the importer left out, by what

    @property
    def count(self) -> int:
        return sum(self.added.values())


class Importing:
    """Painboard's import use-cases (a part of painboard.services.Painboard)."""

    # False runs every import here, as import_here, without the child's start-up (about half a
    # second): only for tests of what an importer reads (/conftest.py, imports_in_process).
    # The child's limits, kill and clean-up keep their own tests (tests/test_import_child.py).
    in_child = True

    # -- plugins: import ---------------------------------------------------------------------
    def detect_importer(self, path, options: dict[str, str] | None = None):
        """The first importer whose sniff accepts the file's head; or, when none does and
        ``-O`` settings were given, the one importer for such files that has them all (a
        column mapping like ``-O intensity=Pain`` is the spreadsheet importer's)."""
        from pathlib import Path

        p = Path(path)
        with open(p, "rb") as fh:
            head = fh.read(65536)
        for imp in self.registry.importers.values():
            try:
                if imp.sniff(head, p.name):
                    return imp
            except Exception:  # a plugin's broken sniff must not stop the others
                continue
        if options:
            fits = [imp for imp in self.registry.importers.values()
                    if imp.knows(options) and p.suffix.lower() in imp.extensions]
            if len(fits) == 1:
                return fits[0]
        known = ", ".join(self.registry.importers)
        raise BadInput(f"cannot tell what kind of file this is; name it with --format ({known})",
                       field="format", file=str(p))

    def import_file(self, path, fmt: str | None = None, progress=None,
                    options: dict[str, str] | None = None, cancel=None) -> "ImportResult":
        """Read, check and write a file in one transaction, in a child process: all or nothing.

        ``progress(done_bytes, total_bytes)`` is called while the file is read (raising in it
        stops the import); setting ``cancel`` (a threading.Event) kills the child at once.
        ``options`` are the importer's own settings (``--option KEY=VALUE``). An importer the
        child cannot load itself (a plugin handed to load_registry in this process, as tests
        do) runs here instead (import_child has why and how).
        """
        from pathlib import Path

        from painboard import import_child
        from painboard.config import zone_name

        p = Path(path).expanduser()
        if not p.is_file():
            raise BadInput(f"{p} is not a file", field="file")
        if self.settings.read_only or self.db.read_only:
            raise ReadOnly("importing")
        importer = self.registry.importer(fmt) if fmt else self.detect_importer(p, options)
        if not (self.in_child and import_child.can_load(self.registry, importer.name)):
            return self.import_here(p, importer.name, progress, options)
        from painboard.clock import _frozen  # the frozen clock, if any, as it is now

        request = {"path": str(p), "format": importer.name, "options": dict(options or {}),
                   "db": str(self.db.path), "plugins_dir": str(self.settings.plugins_dir or "") or None,
                   "tz": zone_name(self.tz) if getattr(self.tz, "key", None) else None,
                   "now": _frozen.isoformat() if _frozen else None, "retry_seconds": self.db.retry_seconds}
        r = import_child.run(request, progress, cancel)
        return ImportResult(format=r["format"], path=p, read=r["read"], added=r["added"], skipped=r["skipped"])

    def import_here(self, path, fmt: str | None = None, progress=None,
                    options: dict[str, str] | None = None, folder: str | None = None) -> "ImportResult":
        """The import itself, in this process (the child's work; see import_file)."""
        from pathlib import Path

        from painboard import import_export, import_fast
        from painboard.plugins import ImportSource
        from painboard.store.connection import scratch_database

        p = Path(path).expanduser()
        if not p.is_file():
            raise BadInput(f"{p} is not a file", field="file")
        importer = self.registry.importer(fmt) if fmt else self.detect_importer(p, options)
        importer.check_options(options)  # only declared settings reach the plugin (every import passes here)
        size = p.stat().st_size
        source = ImportSource(p, (lambda n: progress(n, size)) if progress else None, options)
        with scratch_database(folder) as (cur, alias):
            try:
                # painboard's own CSV is offered to DuckDB's reader first (import_fast says when)
                fast = import_fast.stage(source, cur, alias, f"import:{p.name}") \
                    if import_fast.applies(importer, source) else None
                if fast is not None:
                    stage, validated = fast
                else:
                    stage = repo.Stage(cur, alias)
                    validated = import_export.validate(importer.read(source), str(p), f"import:{p.name}", stage)
            except BadInput as exc:
                if exc.file:
                    raise
                raise BadInput(exc.message, field=exc.field, line=exc.line, file=str(p)) from None
            except MemoryError:
                raise  # over the child's limit: import_child says so in words
            except PainboardError:
                raise
            except Exception as exc:
                raise import_export.describe_failure("importer", importer.name, exc) from exc
            if progress:
                progress(size, size)
            with self.db.unit_of_work(write=True) as con:
                added = import_export.write(con, validated, self.tz, stage)
        return ImportResult(format=importer.name, path=p, read=validated.read, added=added,
                            skipped=dict(getattr(source, "skipped", None) or {}))
