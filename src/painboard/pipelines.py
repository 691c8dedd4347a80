"""The import and export pipelines that services run around importer and exporter plugins.

Imports are all-or-nothing: every row is validated before the one write transaction, and
the first bad row (by line) is reported with file, line and field. Pain entries, the bulk
of any file, are validated column by column: each distinct value of a field goes through
the PainEntry model once (PainEntry has no cross-field rules, so a field's verdict does not
depend on the others), timestamps go through one pydantic TypeAdapter call per batch.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
from operator import itemgetter
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable

from pydantic import TypeAdapter, ValidationError

from painboard.errors import BadInput, PainboardError
from painboard.models import (FUTURE_SLACK, DailyReview, Episode, PainEntry, PlanEvent, PlanItem,
                              utcnow)
from painboard.plugins import KINDS, Row
from painboard.store import repository as repo

BATCH = 50_000
_M = object()  # a field the row left out: the model's default applies
_REF_AT = datetime(2000, 1, 1, tzinfo=timezone.utc)
_TIMES = TypeAdapter(list[datetime | None])
_KEYS = TypeAdapter(list[str | None])
_ENTRY_FIELDS = set(PainEntry.model_fields)
_ENTRY_COLUMNAR = ("occurred_at", "recorded_at", "key")
_MODELS = {"episode": Episode, "daily_review": DailyReview, "plan_item": PlanItem, "plan_event": PlanEvent}


@dataclass
class Validated:
    """Everything an import will write, validated, in memory until the one transaction."""

    entries: dict[str, list] = field(default_factory=dict)
    episodes: list[tuple[Episode, str | None]] = field(default_factory=list)  # (episode, rescue key)
    reviews: list[DailyReview] = field(default_factory=list)
    items: list[tuple[PlanItem, str | None]] = field(default_factory=list)  # (item, ref)
    events: list[tuple[PlanEvent, str | None]] = field(default_factory=list)  # (event, item ref)
    read: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))


def _bad(exc: BadInput, file: str, line: int | None) -> BadInput:
    return BadInput(exc.message, field=exc.field, line=line, file=file)


def content_key(source: str, *parts: Any) -> str:
    """A stable key for a row that came without one: a hash of where it came from and what it says."""
    h = hashlib.sha1(source.encode())
    for p in parts:
        h.update(b"\x1f")
        h.update(repr(p).encode())
    return "h-" + h.hexdigest()


def validate(rows: Iterable[Row], file: str, default_source: str) -> Validated:
    """Validate every row; raise BadInput naming file, line and field at the first bad one."""
    out = Validated()
    pending: list[tuple[dict, int | None]] = []
    errors: list[tuple[int, BadInput]] = []  # (order, error): the earliest line wins

    def flush() -> None:
        if pending:
            err = _validate_entries(pending, out, default_source)
            if err:
                raise _bad(err[1], file, err[0])
            pending.clear()

    for n, row in enumerate(rows):
        kind, data, line = row.kind, dict(row.data), row.line if row.line is not None else n + 1
        if kind not in KINDS:
            raise BadInput(f"unknown record kind {kind!r} (one of {', '.join(KINDS)})", field="kind",
                           line=line, file=file)
        out.read[kind] += 1
        if kind == "pain_entry":
            pending.append((data, line))
            if len(pending) >= BATCH:
                flush()
            continue
        try:
            _validate_other(kind, data, out, default_source)
        except BadInput as exc:
            errors.append((line, _bad(exc, file, line)))
            break  # nothing after the first bad row matters: the import will write nothing
    try:
        flush()
    except BadInput as exc:
        errors.append((exc.line or 0, exc))
    if errors:
        raise min(errors, key=lambda e: e[0])[1]
    return out


def _validate_other(kind: str, data: dict, out: Validated, default_source: str) -> None:
    data.pop("id", None)
    if kind == "plan_item":
        ref = data.pop("ref", None)
        out.items.append((PlanItem.build(**data), None if ref is None else str(ref)))
    elif kind == "plan_event":
        ref = data.pop("item_ref", None)
        if ref is None and "item_id" not in data:
            raise BadInput("names no plan item (item_ref)", field="item_ref")
        data.setdefault("item_id", 0)  # resolved from item_ref when written
        data.setdefault("source", default_source)
        ev = PlanEvent.build(**data)
        if "key" not in data:
            ev.key = content_key(ev.source, "event", ref, ev.done_at.timestamp(), ev.status, ev.amount)
        out.events.append((ev, None if ref is None else str(ref)))
    elif kind == "episode":
        rescue = data.pop("rescue_event_key", None)
        data.pop("rescue_event_id", None)  # ids belong to the database that wrote the file
        data.setdefault("source", default_source)
        ep = Episode.build(**data)
        if "key" not in data:
            ep.key = content_key(ep.source, "episode", ep.onset.timestamp(), ep.peak, ep.type, ep.note)
        out.episodes.append((ep, rescue))
    else:
        out.reviews.append(DailyReview.build(**data))


def _validate_entries(batch: list[tuple[dict, int | None]], out: Validated,
                      default_source: str) -> tuple[int, BadInput] | None:
    """Validate pain entries column-wise into out.entries; return (line, error) of the first bad one."""
    datas = [d for d, _ in batch]
    lines = [ln for _, ln in batch]
    first: list[tuple[int, BadInput]] = []  # (row index, error)

    fields = list(repo.ENTRY_COLUMNS)
    by_field = _transpose(datas)
    if by_field is None:  # rows of different shapes: check each row's names
        seen = set().union(*(d.keys() for d in datas))
        by_field = {f: [d.get(f, _M) for d in datas] for f in seen}
    unknown = set(by_field) - _ENTRY_FIELDS
    if unknown:
        i = next(i for i, d in enumerate(datas) if unknown & d.keys())
        name = sorted(unknown & datas[i].keys())[0]
        first.append((i, BadInput("is not a known field", field=name)))

    cols: dict[str, list] = {}
    n = len(datas)
    for f in fields:
        col = by_field.get(f) or [_M] * n
        if f == "source":
            col = [default_source if v is _M or v == "" else v for v in col]
        if f in _ENTRY_COLUMNAR:
            cols[f] = _columnar(f, col, first)
        else:
            cols[f] = _by_distinct_value(f, col, first)
    if first:
        i, err = min(first, key=lambda e: e[0])
        return lines[i], err

    src = cols["source"]
    for i, (k, s) in enumerate(zip(cols["key"], src)):
        if k is None:
            cols["key"][i] = content_key(s, cols["occurred_at"][i].timestamp(), cols["intensity"][i],
                                         cols["sites"][i], cols["qualities"][i], cols["note"][i])
    for f, col in cols.items():
        out.entries.setdefault(f, []).extend(col)
    return None


def _transpose(datas: list[dict]) -> dict[str, list] | None:
    """Columns from rows that all name the same fields (a CSV's rows do), at C speed."""
    names = list(datas[0])
    if not names:
        return None
    if len(names) == 1:
        k = names[0]
        try:
            return {k: [d[k] for d in datas]} if all(len(d) == 1 for d in datas) else None
        except KeyError:
            return None
    if any(len(d) != len(names) for d in datas):
        return None
    try:
        return dict(zip(names, map(list, zip(*map(itemgetter(*names), datas)))))
    except KeyError:
        return None


def _by_distinct_value(f: str, col: list, first: list) -> list:
    """Validate each distinct value of one field once, through the model itself."""
    cache: dict[Any, Any] = {}
    try:
        distinct = set(col)
        hashable = True
    except TypeError:  # lists (from JSON): key them by their repr
        distinct = None
        hashable = False
    keys = col if hashable else [v if isinstance(v, (str, int, float, bool, type(None))) or v is _M else repr(v)
                                  for v in col]
    raw_of: dict[Any, Any] = {}
    if hashable:
        raw_of = {v: v for v in distinct}  # type: ignore[union-attr]
    else:
        for k, v in zip(keys, col):
            raw_of.setdefault(k, v)
    for k, raw in raw_of.items():
        fields: dict[str, Any] = {"occurred_at": _REF_AT, "intensity": 0}
        if raw is _M or raw == "":  # an empty cell means "not given": the model's default
            fields.pop(f, None)
        else:
            fields[f] = raw
        try:
            cache[k] = getattr(PainEntry.build(**fields), f)
        except BadInput as exc:
            first.append((keys.index(k), exc))
            cache[k] = None
    return list(map(cache.__getitem__, keys))


def _columnar(f: str, col: list, first: list) -> list:
    vals = [None if v is _M or v == "" else v for v in col]
    try:
        vals = (_KEYS if f == "key" else _TIMES).validate_python(vals)
    except ValidationError as exc:
        e = exc.errors()[0]
        first.append((int(e["loc"][0]), BadInput(e["msg"], field=f)))
        return vals
    if f == "key":
        return vals
    if f == "occurred_at":
        i = next((i for i, v in enumerate(vals) if v is None), None)
        if i is not None:
            first.append((i, BadInput("Field required", field=f)))
    else:
        now = utcnow()
        vals = [now if v is None else v for v in vals]
    i = next((i for i, v in enumerate(vals) if v is not None and v.tzinfo is None), None)
    if i is not None:
        first.append((i, BadInput("needs a time zone", field=f)))
    if f == "occurred_at":
        limit = utcnow() + FUTURE_SLACK
        i = next((i for i, v in enumerate(vals) if v is not None and v.tzinfo is not None and v > limit), None)
        if i is not None:
            first.append((i, BadInput("is in the future", field=f)))
    return vals


def write(con, v: Validated) -> dict[str, int]:
    """Append everything validated inside the caller's write transaction; counts added per kind."""
    added = dict.fromkeys(KINDS, 0)
    refs: dict[str, int] = {}
    for item, ref in v.items:
        found = repo.find_plan_item(con, item.category, item.name, item.kind, item.start_date)
        if found is None:
            found = repo.insert_one(con, "plan_item", item)
            added["plan_item"] += 1
        if ref is not None:
            refs[ref] = found
    events = []
    for ev, ref in v.events:
        if ref is not None:
            if ref not in refs:
                raise BadInput(f"refers to plan item {ref!r}, which the file does not hold", field="item_ref")
            ev.item_id = refs[ref]
        events.append(ev)
    added["plan_event"] = repo.append(con, "plan_event", events)
    if v.entries:
        added["pain_entry"] = repo.append_columns(con, "pain_entry", v.entries)
    rescue_keys = [k for _, k in v.episodes if k]
    by_key = repo.ids_by_key(con, "plan_event", rescue_keys)
    for ep, k in v.episodes:
        ep.rescue_event_id = by_key.get(k) if k else None
    added["episode"] = repo.append(con, "episode", [ep for ep, _ in v.episodes])
    have = repo.review_days(con, [r.day for r in v.reviews])
    for r in v.reviews:
        if r.day not in have:  # an existing review for the day is kept: re-import adds nothing
            repo.save_review(con, r)
            have.add(r.day)
            added["daily_review"] += 1
    return added


# -- exports: a private temp file beside the target, renamed into place ---------------------
def write_file(out: str | Path, fn: Callable[[BinaryIO], int]) -> tuple[Path | None, int]:
    """Run ``fn`` on a 0600 temp file; rename it to ``out`` on success, remove it on failure.

    ``out`` "-" spools to a private temp file and then copies it to stdout, so a failing
    exporter writes nothing there either.
    """
    to_stdout = str(out) == "-"
    if to_stdout:
        folder = Path(tempfile.mkdtemp(prefix="painboard-export-"))
        target = None
    else:
        target = Path(out).expanduser()
        if "://" in str(out):
            raise BadInput(f"{out} is a remote location: painboard writes local files only", field="output")
        folder = target.parent if str(target.parent) else Path(".")
        if not folder.is_dir():
            raise BadInput(f"folder {folder} does not exist", field="output")
        if target.is_dir():
            raise BadInput(f"{target} is a folder", field="output")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name if target else 'export'}.", suffix=".part",
                                    dir=folder)  # mkstemp creates the file 0600
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with open(tmp, "w+b") as fh:  # opened by path so fh.name is the path writers may use
            count = fn(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)  # a writer that replaced the file (DuckDB COPY) must not widen it
        if to_stdout:
            with open(tmp, "rb") as fh:
                shutil.copyfileobj(fh, sys.stdout.buffer)
            sys.stdout.buffer.flush()
            return None, int(count or 0)
        os.replace(tmp, target)  # type: ignore[arg-type]
        return target, int(count or 0)
    finally:
        if tmp.exists():
            tmp.unlink()
        if to_stdout:
            shutil.rmtree(folder, ignore_errors=True)


def describe_failure(what: str, name: str, exc: BaseException) -> PainboardError:
    """A plugin's exception as an app error; BadInput passes through unchanged."""
    if isinstance(exc, PainboardError):
        return exc
    from painboard.plugins import PluginError, describe_error

    return PluginError(f"{what} {name!r} failed: {describe_error(exc)}; nothing was written")


def as_local_date(v: Any) -> date | None:
    return v if isinstance(v, date) and not isinstance(v, datetime) else None
