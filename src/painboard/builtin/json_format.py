"""painboard's own JSON: everything in a period (plan items, plan events, pain entries,
breakthrough episodes, daily reviews), one record per line so large files stream out and a
bad record on import is reported by its line.

Cross references use the exporting database's ids as text (``ref`` on a plan item,
``item_ref`` on an event) and keys (``rescue_event_key`` on an episode), because ids mean
nothing in another database.
"""

from __future__ import annotations

import io
import json
import math
import re
from datetime import date, datetime
from typing import Any, BinaryIO, Iterator

from painboard.builtin._importing import first_bad_utf8
from painboard.errors import BadInput
from painboard.hookspecs import hookimpl
from painboard.models import utcnow
from painboard.plugin_api import Exporter, ImportSource, Importer, PeriodView, Row

FORMAT = "painboard"
VERSION = 1
SECTIONS = {"plan_items": "plan_item", "plan_events": "plan_event", "pain_entries": "pain_entry",
            "episodes": "episode", "daily_reviews": "daily_review"}


def _default(v: Any) -> Any:
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    raise TypeError(type(v).__name__)


def _dump(obj: dict) -> str:
    # NaN and infinity are not JSON (RFC 8259 section 6): a value stored before they were
    # refused is written as null, never as NaN.
    obj = {k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in obj.items()}
    return json.dumps(obj, default=_default, ensure_ascii=False, separators=(", ", ": "), allow_nan=False)


def write_json(view: PeriodView, out: BinaryIO) -> int:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="\n")
    n = 0
    header = {"format": FORMAT, "version": VERSION, "exported_at": utcnow(), "time_zone": view.tz_name,
              "since": view.start, "until": view.end}
    text.write("{\n")
    for k, v in header.items():
        text.write(f"{json.dumps(k)}: {json.dumps(v, default=_default)},\n")

    def section(name: str, rows, last: bool = False) -> None:
        nonlocal n
        text.write(f'"{name}": [')
        sep = "\n"
        for r in rows:
            text.write(sep + _dump(r))
            sep = ",\n"
            n += 1
        text.write("\n]" + ("\n" if last else ",\n"))

    events = view.events()
    event_keys = {e["id"]: e["key"] for e in events}
    section("plan_items", ({"ref": str(i.id), **i.model_dump(exclude={"id"})} for i in view.plan_items()))
    section("plan_events", ({"item_ref": str(e["item_id"]),
                             **{k: v for k, v in e.items() if k not in ("id", "item_id", "episode_id")}}
                            for e in events))
    section("pain_entries", ({k: v for k, v in e.items() if k != "id"} for e in view.iter_entries()))
    section("episodes", ({"rescue_event_key": event_keys.get(e["rescue_event_id"]),
                          **{k: v for k, v in e.items() if k not in ("id", "rescue_event_id", "duration_min")}}
                         for e in view.episodes()))
    section("daily_reviews", view.reviews(), last=True)
    text.write("}\n")
    text.flush()
    text.detach()
    return n


def sniff_json(head: bytes, filename: str) -> bool:
    t = head.decode("utf-8-sig", "replace").lstrip()
    return t.startswith("{") and '"format"' in t[:400] and f'"{FORMAT}"' in t[:400]


CHUNK = 1 << 20  # characters read at a time: the file is never held whole
RECORD_LIMIT = 1 << 20  # one record (or header value) longer than this is refused
_WS = re.compile(r"[ \t\r\n]*")


class _Reader:
    """Walks the top-level object with raw_decode so each record keeps its line number.

    The text is read in chunks into a window that drops what was read, so memory stays flat
    with the file's size; a value must fit in RECORD_LIMIT characters."""

    def __init__(self, fh, path=None):
        self.fh, self.path, self.t, self.i, self.dec = fh, path, "", 0, json.JSONDecoder()
        self.line, self._at, self.eof = 1, 0, False

    def _more(self) -> bool:
        """Read the next chunk into the window, dropping what was read; False at the end."""
        if self.eof:
            return False
        try:
            chunk = self.fh.read(CHUNK)
        except UnicodeDecodeError as exc:
            line, byte = first_bad_utf8(self.path) or (self.lineno(), exc.object[exc.start])
            raise BadInput(f"is not UTF-8 text (byte 0x{byte:02x})", field="encoding", line=line) from None
        if not chunk:
            self.eof = True
            return False
        self.lineno()
        self.t, self._at, self.i = self.t[self.i:] + chunk, 0, 0
        return True

    def ws(self) -> None:
        while True:
            self.i = _WS.match(self.t, self.i).end()
            if self.i < len(self.t) or not self._more():
                return

    def lineno(self, at: int | None = None) -> int:
        at = self.i if at is None else at
        if at < self._at:
            return self.line - self.t.count("\n", at, self._at)
        self.line += self.t.count("\n", self._at, at)
        self._at = at
        return self.line

    def expect(self, ch: str) -> None:
        self.ws()
        if self.t[self.i:self.i + 1] != ch:
            got = self.t[self.i:self.i + 1] or "the end of the file"
            raise BadInput(f"expected {ch!r} but found {got!r}", field="json", line=self.lineno())
        self.i += 1

    def value(self) -> Any:
        self.ws()
        while True:
            try:
                v, end = self.dec.raw_decode(self.t, self.i)
            except json.JSONDecodeError as exc:
                if self._grow():
                    continue
                raise BadInput(f"is not valid JSON ({exc.msg})", field="json", line=self.lineno(exc.pos)) from None
            except RecursionError:
                raise BadInput("nests brackets too deeply to be a painboard record", field="json",
                               line=self.lineno()) from None
            if end == len(self.t) and self._grow():
                continue  # a number may go on in the next chunk
            if end - self.i > RECORD_LIMIT:
                raise BadInput(f"holds a record longer than {RECORD_LIMIT // (1 << 20)} MiB", field="json",
                               line=self.lineno())
            self.i = end
            return v

    def _grow(self) -> bool:
        """More text for a value that may be cut by the window; refused past RECORD_LIMIT."""
        if self.eof:
            return False
        if len(self.t) - self.i > RECORD_LIMIT:
            raise BadInput(f"holds a record longer than {RECORD_LIMIT // (1 << 20)} MiB", field="json",
                           line=self.lineno())
        return self._more()

    def peek(self) -> str:
        self.ws()
        return self.t[self.i:self.i + 1]


def read_json(source: ImportSource) -> Iterator[Row]:
    with source.open_text() as fh:
        yield from _read(_Reader(fh, source.path))


def _read(r: _Reader) -> Iterator[Row]:
    r.expect("{")
    header: dict[str, Any] = {}
    while r.peek() != "}":
        key = r.value()
        if not isinstance(key, str):
            raise BadInput("expected a field name", field="json", line=r.lineno())
        r.expect(":")
        if key in SECTIONS:
            if header.get("format") != FORMAT:
                raise BadInput(f"is not a painboard export (format {header.get('format')!r})",
                               field="format", line=r.lineno())
            r.expect("[")
            while r.peek() != "]":
                line = r.lineno()
                obj = r.value()
                if not isinstance(obj, dict):
                    raise BadInput("expected a record (a JSON object)", field=key, line=line)
                yield Row(SECTIONS[key], obj, line)
                if r.peek() == ",":
                    r.i += 1
            r.expect("]")
        else:
            header[key] = r.value()
            if key == "version" and header[key] != VERSION:
                raise BadInput(f"version {header[key]!r} is not one this painboard reads ({VERSION})",
                               field="version", line=r.lineno())
        if r.peek() == ",":
            r.i += 1
    r.expect("}")


@hookimpl
def register_importers(register):
    register(Importer(name="json", label="painboard JSON (everything)", extensions=(".json",),
                      sniff=sniff_json, read=read_json,
                      description="The JSON painboard exports: plan, events, entries, episodes, reviews."))


@hookimpl
def register_exporters(register):
    register(Exporter(name="json", extension=".json", label="JSON (everything)", write=write_json,
                      description="Plan items, plan events, pain entries, episodes and daily reviews."))
