"""The app's own errors. Faces show their message; nothing below them prints."""


class PainboardError(Exception):
    """Base for every error painboard reports to a user."""


class BadInput(PainboardError):
    """Input that was rejected; ``field`` names what was wrong."""

    def __init__(self, message: str, field: str | None = None, line: int | None = None,
                 file: str | None = None):
        self.field = field
        self.line = line
        self.file = file
        where = []
        if file:
            where.append(str(file))
        if line is not None:
            where.append(f"line {line}")
        if field:
            where.append(field)
        prefix = ": ".join([", ".join(where)]) if where else ""
        super().__init__(f"{prefix}: {message}" if prefix else message)
        self.message = message


class DatabaseBusy(PainboardError):
    """Another process held the database lock for longer than we retry."""

    def __init__(self, pid: int | None):
        self.pid = pid
        held = f" (held by PID {pid})" if pid else ""
        super().__init__(f"database busy{held}; try again in a moment")


class SchemaTooNew(PainboardError):
    """The database was written by a newer painboard."""


class ReadOnly(PainboardError):
    """A write was asked of a read-only session."""

    def __init__(self, what: str = "this"):
        super().__init__(f"read-only session: {what} is not allowed")


class StoreError(PainboardError):
    """Any other database failure, in words."""


class NotFound(PainboardError):
    """A record that was named does not exist."""


class PluginError(PainboardError):
    """A plugin could not load (raised only in strict mode) or failed while running."""


class DatabaseMoved(StoreError):
    """The database file went away (moved or deleted) under a session that had it open."""
