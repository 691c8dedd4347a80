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
from datetime import date, datetime
from typing import Any, BinaryIO, Iterator

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


class _Reader:
    """Walks the top-level object with raw_decode so each record keeps its line number."""

    def __init__(self, text: str):
        self.t, self.i, self.dec = text, 0, json.JSONDecoder()
        self.line, self._at = 1, 0

    def ws(self) -> None:
        t, i = self.t, self.i
        while i < len(t) and t[i] in " \t\r\n":
            i += 1
        self.i = i

    def lineno(self) -> int:
        self.line += self.t.count("\n", self._at, self.i)
        self._at = self.i
        return self.line

    def expect(self, ch: str) -> None:
        self.ws()
        if self.t[self.i:self.i + 1] != ch:
            got = self.t[self.i:self.i + 1] or "the end of the file"
            raise BadInput(f"expected {ch!r} but found {got!r}", field="json", line=self.lineno())
        self.i += 1

    def value(self) -> Any:
        self.ws()
        try:
            v, self.i = self.dec.raw_decode(self.t, self.i)
        except json.JSONDecodeError as exc:
            raise BadInput(f"is not valid JSON ({exc.msg})", field="json", line=exc.lineno) from None
        return v

    def peek(self) -> str:
        self.ws()
        return self.t[self.i:self.i + 1]


def read_json(source: ImportSource) -> Iterator[Row]:
    with source.open_text() as fh:
        text = fh.read()
    r = _Reader(text)
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
