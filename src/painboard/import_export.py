"""The import and export pipelines that services run around importer and exporter plugins.

Imports are all-or-nothing: every row is validated before the one write transaction, and the first bad row (by line)
is reported with file, line and field. Imports stream: pain entries, the bulk of any file, are validated a batch at a
time and each checked batch goes into a staging table (repository.Stage, in a private DuckDB file), so memory stays
flat with the file's size; the one write transaction then keeps them all, or none when a later row is bad (the staging
file is dropped). Pain entries, the bulk of any file, are validated column by column: each distinct value of a field
goes through the PainEntry model once (PainEntry has no cross-field rules, so a field's verdict does not depend on the
others); ISO 8601 times are checked by one regular expression per column and parsed at C speed, anything else goes
through pydantic. Importers may yield Columns (a batch of records field by field) instead of Rows; both are validated
the same way. The validated columns reach DuckDB packed as one string each, in file order, so new ids follow the file.
"""

from __future__ import annotations

import hashlib
import re
from operator import itemgetter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

from pydantic import TypeAdapter, ValidationError

from painboard import collector
from painboard.figures.schedule import match_due
from painboard.errors import BadInput, PainboardError
from painboard.models import (EARLIEST, FUTURE_SLACK, DailyReview, Episode, PainEntry, PlanEvent, PlanItem,
                              plan_size_problem, utcnow)
from painboard.plugins import KINDS, Columns, Row
from painboard.store import repository as repo, symptoms as symptom_store

BATCH = 20_000  # pain entries (as Rows) checked and staged together: 1M JSON rows peak 237 MB (307 at 50k)
_M = object()  # a field the row left out: the model's default applies
_REF_AT = datetime(2000, 1, 1, tzinfo=timezone.utc)
_KEYS = TypeAdapter(list[str | None])
_ENTRY_FIELDS = set(PainEntry.model_fields)
_MODELS = {"episode": Episode, "daily_review": DailyReview, "plan_item": PlanItem, "plan_event": PlanEvent}


@dataclass
class Validated:
    """Everything an import will write, validated: pain entries only until they are staged
    (a batch at a time), the rest in memory until the one transaction."""

    # pain entries column by column: normalised values (times as ISO 8601 text with an offset),
    # and for some columns the same values already as text for DuckDB (repo.pack_value)
    entries: dict[str, list] = field(default_factory=dict)
    entry_pieces: dict[str, list[str] | None] = field(default_factory=dict)
    episodes: list[tuple[Episode, str | None]] = field(default_factory=list)  # (episode, rescue key)
    reviews: list[DailyReview] = field(default_factory=list)
    items: list[tuple[PlanItem, str | None]] = field(default_factory=list)  # (item, ref)
    events: list[tuple[PlanEvent, str | None]] = field(default_factory=list)  # (event, item ref)
    symptoms: list[Any] = field(default_factory=list)  # models_symptom.Symptom (issue 20)
    read: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))

    def entry_text_columns(self) -> dict[str, list[str]]:
        return {f: p for f, p in self.entry_pieces.items() if p is not None}


def _bad(exc: BadInput, file: str, line: int | None) -> BadInput:
    return BadInput(exc.message, field=exc.field, line=line, file=file)


def content_key(*parts: Any) -> str:
    """A stable key for a row that came without one: a hash of what it says, never of the file
    it came from, so the same file renamed, or converted to JSON, adds nothing."""
    h = hashlib.sha1(b"painboard")
    for p in parts:
        h.update(b"\x1f")
        h.update(repr(p).encode())
    return "h-" + h.hexdigest()


def validate(rows: Iterable[Row | Columns], file: str, default_source: str, stage=None) -> Validated:
    """Validate every record; raise BadInput naming file, line and field at the first bad one.

    An importer yields Rows, or Columns (many records of one kind, field by field). With
    ``stage`` (a repository.Stage), pain entries go there a checked batch at a time.
    """
    with collector.paused():  # millions of short-lived containers and no cycles
        return _validate(rows, file, default_source, stage)


def _to_stage(out: Validated, stage) -> None:
    """Checked pain entries out of memory into the staging table."""
    if stage is not None and out.entries:
        stage.add(out.entries, out.entry_text_columns())
        out.entries, out.entry_pieces = {}, {}


def _validate(rows: Iterable[Row | Columns], file: str, default_source: str, stage=None) -> Validated:
    run = _Validation(file, default_source, stage)
    for item in rows:
        kind = item.kind
        if kind not in KINDS:
            line = item.line if isinstance(item, Row) else item.lines[0] if item.lines else None
            line = line if line is not None else run.seen + 1
            raise BadInput(f"unknown record kind {kind!r} (one of {', '.join(KINDS)})", field="kind",
                           line=line, file=file)
        if isinstance(item, Columns):
            if not run.columns(item):
                break
            continue
        run.seen += 1
        line = item.line if item.line is not None else run.seen
        run.out.read[kind] += 1
        if not run.one(kind, dict(item.data), line):
            break
    return run.finish()


class _Validation:
    """One import's validation as it goes: what is checked, the pain entries waiting for their
    batch, the plan events' item refs, and the errors found (the earliest line wins)."""

    def __init__(self, file: str, default_source: str, stage) -> None:
        self.file, self.default_source, self.stage = file, default_source, stage
        self.out = Validated()
        self.pending: list[tuple[dict, int | None]] = []
        self.errors: list[tuple[int, BadInput]] = []  # (order, error)
        self.seen = 0  # records so far: the line of a record that names none
        self.event_refs: list[tuple[Any, int]] = []  # (item_ref, line) of each plan event

    def flush(self) -> None:
        if self.pending:
            err = _validate_entries(self.pending, self.out, self.default_source)
            if err:
                raise _bad(err[1], self.file, err[0])
            self.pending.clear()
            _to_stage(self.out, self.stage)

    def one(self, kind: str, data: dict, line: int) -> bool:
        """Validate one record; False once an error means nothing after it matters."""
        if kind == "pain_entry":
            self.pending.append((data, line))
            if len(self.pending) >= BATCH:
                self.flush()
            return True
        try:
            if kind == "plan_event":
                self.event_refs.append((data.get("item_ref"), line))
            _validate_other(kind, data, self.out, self.default_source)
        except BadInput as exc:
            self.errors.append((line, _bad(exc, self.file, line)))
            return False  # nothing after the first bad row matters: the import will write nothing
        return True

    def columns(self, item: Columns) -> bool:
        """Validate a batch of columns; False once an error means nothing after it matters."""
        kind, n, seen, file = item.kind, item.size, self.seen, self.file
        lines = list(item.lines) if item.lines is not None else list(range(seen + 1, seen + n + 1))
        if len(lines) != n or any(len(v) != n for v in item.data.values()):
            raise BadInput("a batch of columns of different lengths", field="columns",
                           line=lines[0] if lines else seen + 1, file=file)
        self.seen += n
        self.out.read[kind] += n
        if kind == "pain_entry":
            self.flush()  # rows before the batch keep their place
            if n:
                err = _validate_entry_columns(dict(item.data), lines, self.out, self.default_source)
                if err:
                    raise _bad(err[1], file, err[0])
                _to_stage(self.out, self.stage)
            return True
        return all(self.one(kind, r.data, ln) for r, ln in zip(item.rows(), lines))

    def finish(self) -> Validated:
        try:
            self.flush()
        except BadInput as exc:
            self.errors.append((exc.line or 0, exc))
        if not self.errors:
            # A plan event names its plan item by the file's own ref; ids belong to the database
            # that wrote the file, and one pointing at nothing would break the stored history.
            have = {ref for _, ref in self.out.items if ref is not None}
            for ref, line in self.event_refs:
                if ref is None or str(ref) not in have:
                    what = "names no plan item (item_ref)" if ref is None else \
                        f"refers to plan item {ref!r}, which the file does not hold"
                    self.errors.append((line, BadInput(what, field="item_ref", line=line, file=self.file)))
                    break
        if self.errors:
            raise min(self.errors, key=lambda e: e[0])[1]
        return self.out


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
            ev.key = content_key("event", ref, ev.done_at.timestamp(), ev.status, ev.amount)
        out.events.append((ev, None if ref is None else str(ref)))
    elif kind == "episode":
        rescue = data.pop("rescue_event_key", None)
        data.pop("rescue_event_id", None)  # ids belong to the database that wrote the file
        data.setdefault("source", default_source)
        ep = Episode.build(**data)
        if "key" not in data:
            ep.key = content_key("episode", ep.onset.timestamp(), ep.peak, ep.type, ep.note)
        out.episodes.append((ep, rescue))
    elif kind == "symptom":  # issue 20
        out.symptoms.append(symptom_store.imported(data, default_source, content_key))
    else:
        out.reviews.append(DailyReview.build(**data))


def _validate_entries(batch: list[tuple[dict, int | None]], out: Validated,
                      default_source: str) -> tuple[int, BadInput] | None:
    """Validate pain entry rows column-wise into out.entries; return (line, error) of the first bad one."""
    datas = [d for d, _ in batch]
    lines = [ln for _, ln in batch]
    by_field = _transpose(datas)
    unknown_at = 0
    if by_field is None:  # rows of different shapes: check each row's names
        seen = set().union(*(d.keys() for d in datas))
        by_field = {f: [d.get(f, _M) for d in datas] for f in seen}
        unknown = set(by_field) - _ENTRY_FIELDS
        if unknown:
            unknown_at = next(i for i, d in enumerate(datas) if unknown & d.keys())
            by_field = {f: c for f, c in by_field.items() if f in _ENTRY_FIELDS or f in datas[unknown_at]}
    return _validate_entry_columns(by_field, lines, out, default_source, unknown_at)


def _validate_entry_columns(by_field: dict[str, list], lines: list, out: Validated, default_source: str,
                            unknown_at: int = 0) -> tuple[int, BadInput] | None:
    """Validate pain entries given field by field; return (line, error) of the first bad one.

    Each distinct value of a field goes through the PainEntry model once; ISO 8601 times are
    parsed at C speed (anything else through pydantic, as one value); nothing is written here.
    """
    first: list[tuple[int, BadInput]] = []  # (row index, error)
    n = len(lines)
    unknown = set(by_field) - _ENTRY_FIELDS
    if unknown:
        first.append((unknown_at, BadInput("is not a known field", field=sorted(unknown)[0])))

    cols: dict[str, list] = {}
    pieces: dict[str, list[str] | None] = {}
    dts: dict[str, list] = {}
    for f, sql_type in repo.ENTRY_COLUMNS.items():
        col = by_field.get(f) or [_M] * n
        if f == "source":
            col = [default_source if v is _M or v == "" else v for v in col]
        if f in ("occurred_at", "recorded_at"):
            cols[f], dts[f] = _time_column(f, col, first)
            pieces[f] = cols[f]  # ISO 8601 text: nothing to escape
        elif f == "key":
            cols[f] = _key_column(col, first)
        else:
            cols[f], pieces[f] = _by_distinct_value(f, col, first, sql_type)
    if first:
        i, err = min(first, key=lambda e: e[0])
        return lines[i], err

    keys = cols["key"]
    if None in keys:
        at = dts["occurred_at"]
        for i, k in enumerate(keys):
            if k is None:
                keys[i] = content_key(at[i].timestamp(), cols["intensity"][i], cols["sites"][i],
                                      cols["qualities"][i], cols["note"][i])
    started = bool(out.entries)
    for f, col in cols.items():
        out.entries.setdefault(f, []).extend(col)
        if f in pieces:
            have = out.entry_pieces.get(f, None if started else [])
            p = pieces[f]
            out.entry_pieces[f] = None if have is None or p is None else have + p
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


def _by_distinct_value(f: str, col: list, first: list, sql_type: str) -> tuple[list, list[str] | None]:
    """Validate each distinct value of one field once, through the model itself.

    Returns the normalised column, and the same as text for DuckDB (None if it cannot be).
    """
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
    pieces: dict[Any, str | None] = {}
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
        pieces[k] = repo.pack_value(cache[k], sql_type)
    vals = list(map(cache.__getitem__, keys))
    if None in pieces.values():
        return vals, None
    return vals, list(map(pieces.__getitem__, keys))


# ISO 8601 with seconds and an offset: the shape datetime.fromisoformat and pydantic agree on.
_ISO = r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-]\d\d:\d\d)"
_ISO_LINES = re.compile(rf"(?:(?:{_ISO})?\n)*(?:{_ISO})?")
_ONE_TIME = TypeAdapter(datetime)


def _time_column(f: str, col: list, first: list) -> tuple[list, list]:
    """A column of times as ISO 8601 text with an offset, and as datetimes.

    A column of ISO 8601 text is checked with one regular expression and parsed at C speed;
    anything else goes through pydantic one value at a time, as the model would.
    """
    texts = [None if v is _M or v == "" else v for v in col]
    dts: list | None = None
    if all(type(v) is str for v in texts if v is not None):
        if _ISO_LINES.fullmatch("\n".join(v or "" for v in texts)):
            try:
                if None in texts:
                    it = iter(map(datetime.fromisoformat, [v for v in texts if v is not None]))
                    dts = [None if v is None else next(it) for v in texts]
                else:
                    dts = list(map(datetime.fromisoformat, texts))
            except ValueError:
                dts = None
    if dts is None:  # the slow path, exactly as pydantic sees each value
        dts = []
        for i, v in enumerate(texts):
            if v is None:
                dts.append(None)
                continue
            try:
                dt = _ONE_TIME.validate_python(v)
            except ValidationError as exc:
                first.append((i, BadInput(exc.errors()[0]["msg"], field=f)))
                return texts, texts
            dts.append(dt)
            texts[i] = dt.isoformat()
    if f == "occurred_at":
        i = next((i for i, v in enumerate(dts) if v is None), None)
        if i is not None:
            first.append((i, BadInput("Field required", field=f)))
    elif None in dts:
        now = utcnow()
        dts = [now if v is None else v for v in dts]
        texts = [now.isoformat() if v is None else v for v in texts]
    i = next((i for i, v in enumerate(dts) if v is not None and v.tzinfo is None), None)
    if i is not None:
        first.append((i, BadInput("needs a time zone", field=f)))
        return texts, dts
    try:
        i = next((i for i, v in enumerate(dts) if v is not None and v < EARLIEST), None)
    except OverflowError:
        i = next(i for i, v in enumerate(dts) if v is not None and v.year < 1901)
    if i is not None:
        first.append((i, BadInput(f"is before {EARLIEST:%Y}: not a plausible time", field=f)))
        return texts, dts
    if f == "occurred_at":
        limit = utcnow() + FUTURE_SLACK
        if max((v for v in dts if v is not None), default=limit) > limit:
            i = next(i for i, v in enumerate(dts) if v is not None and v > limit)
            first.append((i, BadInput("is in the future", field=f)))
    return texts, dts


def _key_column(col: list, first: list) -> list:
    if all(type(v) is str for v in col):
        return [v or None for v in col]
    vals = [None if v is _M or v == "" else v for v in col]
    try:
        return _KEYS.validate_python(vals)
    except ValidationError as exc:
        e = exc.errors()[0]
        first.append((int(e["loc"][0]), BadInput(e["msg"], field="key")))
        return vals


def _match_due_times(con, events: list, tz) -> None:
    items: dict[int, Any] = {}
    taken: dict[int, list] = {}
    if not events:
        return
    span = (min(e.done_at for e in events) - timedelta(days=2), max(e.done_at for e in events) + timedelta(days=2))
    for ev in sorted(events, key=lambda e: e.done_at):
        if ev.due_at is not None or ev.status not in ("taken", "skipped"):
            continue
        if ev.item_id not in items:
            row = repo.plan_item(con, ev.item_id)
            items[ev.item_id] = PlanItem.from_row(row) if row else None
        it = items[ev.item_id]
        if it is None or it.kind != "scheduled":
            continue
        if ev.item_id not in taken:
            taken[ev.item_id] = [e["due_at"] for e in repo.events_due_between(con, *span, ev.item_id)]
            taken[ev.item_id] += [e.due_at for e in events if e.item_id == ev.item_id and e.due_at is not None]
        state, due = match_due(it, ev.done_at, taken[ev.item_id], tz)
        if state == "open":
            ev.due_at = due
            taken[ev.item_id].append(due)


def write(con, v: Validated, tz=None, stage=None) -> dict[str, int]:
    """Append everything validated inside the caller's write transaction; counts added per kind.
    Pain entries come from ``stage`` when given (see validate), else from ``v``.

    With ``tz``, an imported dose of a scheduled item with no due time is matched to its
    nearest open due time (match_due); one whose due time is already recorded stays
    without one (an extra dose: a file is all or nothing, so it is kept, not refused)."""
    added = dict.fromkeys(KINDS, 0)
    refs: dict[str, int] = {}
    for item, ref in v.items:
        found = repo.find_plan_item(con, item.category, item.name, item.kind, item.start_date)
        if found is None:
            found = repo.insert_one(con, "plan_item", item)
            added["plan_item"] += 1
        if ref is not None:
            refs[ref] = found
    if added["plan_item"]:  # the plan limits, on the plan as it would be (all or nothing)
        too_big = plan_size_problem([PlanItem.from_row(r) for r in repo.plan_items(con, False)])
        if too_big:
            raise BadInput(too_big, field="plan_items")
    events = []
    for ev, ref in v.events:
        if ref is not None:
            if ref not in refs:
                raise BadInput(f"refers to plan item {ref!r}, which the file does not hold", field="item_ref")
            ev.item_id = refs[ref]
        events.append(ev)
    if tz is not None:
        _match_due_times(con, events, tz)
    added["plan_event"] = repo.append(con, "plan_event", events)
    if stage is not None:
        added["pain_entry"] = stage.keep(con)
    elif v.entries:
        added["pain_entry"] = repo.append_columns(con, "pain_entry", v.entries, pieces=v.entry_text_columns())
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
    added["symptom"] = symptom_store.append(con, v.symptoms)
    return added


def describe_failure(what: str, name: str, exc: BaseException) -> PainboardError:
    """A plugin's exception as an app error; BadInput passes through unchanged."""
    if isinstance(exc, PainboardError):
        return exc
    from painboard.plugins import PluginError, describe_error

    return PluginError(f"{what} {name!r} failed: {describe_error(exc)}; nothing was written")
