"""Mending what was recorded: edit and delete of every record kind, and the one undo step.

Painboard (services.py) inherits these, as it does reading.py's. Both faces call them: the
CLI (cli_mending.py) and the dashboard (tui/dialogs/mend.py). An edit is checked by the same
model a new record is (all or nothing); a dose moved in time is matched to its due time again,
as `plan done` does. No SQL here (store/mending.py) and never Textual.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from painboard.errors import BadInput, NotFound
from painboard.figures.schedule import match_due, nearest_open
from painboard.models import DailyReview, Episode, PainEntry, PlanEvent, PlanItem, parse_day, parse_when
from painboard.store import mending as store

# The kinds a person names, with the words they may use for them.
KIND_WORDS = {"entry": "entry", "entries": "entry", "pain": "entry", "episode": "episode", "episodes": "episode",
              "breakthrough": "episode", "review": "review", "reviews": "review", "dose": "event",
              "doses": "event", "event": "event", "events": "event", "item": "item", "plan-item": "item",
              "plan": "item"}
NAMES = {"entry": "entry", "episode": "breakthrough episode", "review": "daily review",
         "event": "dose", "item": "plan item"}
LISTS = {"entry": "painboard entries", "episode": "painboard episodes", "review": "painboard reviews",
         "event": "painboard doses", "item": "painboard plan list --all"}
# A plan item's fields that move its due times: an edit of one matches its doses again.
SCHEDULE_COLUMNS = ("kind", "rrule", "start_date", "end_date", "on_date", "sessions")
MODELS = {"entry": PainEntry, "episode": Episode, "review": DailyReview, "event": PlanEvent, "item": PlanItem}

# What can be edited, kind by kind: the word a person types -> (column, how the text is read)
FIELDS: dict[str, dict[str, tuple[str, str]]] = {
    "entry": {"intensity": ("intensity", "text"), "at": ("occurred_at", "when"), "site": ("sites", "list"),
              "quality": ("qualities", "list"), "pattern": ("pattern", "text"), "activity": ("activity", "text"),
              "worse": ("worse", "list"), "better": ("better", "list"), "duration": ("duration_min", "text"),
              "note": ("note", "text")},
    "episode": {"peak": ("peak", "text"), "at": ("onset", "when"), "end": ("end_at", "when"),
                "background": ("background", "text"), "type": ("type", "text"), "trigger": ("trigger", "text"),
                "site": ("site", "text"), "quality": ("quality", "text"), "relief": ("relief_min", "text"),
                "note": ("note", "text")},
    "review": {"worst": ("worst", "text"), "least": ("least", "text"), "average": ("average", "text"),
               "now": ("now", "text"), "relief": ("relief_pct", "text"), "note": ("note", "text")},
    "event": {"at": ("done_at", "when"), "status": ("status", "text"), "amount": ("amount", "text"),
              "note": ("note", "text")},
    "item": {"name": ("name", "text"), "category": ("category", "text"), "dose": ("dose", "text"),
             "unit": ("unit", "text"), "route": ("route", "text"), "rrule": ("rrule", "text"),
             "max-per-day": ("max_per_day", "text"), "start": ("start_date", "day"), "end": ("end_date", "day"),
             "mme-factor": ("mme_factor", "text"), "strength": ("strength", "text"), "note": ("note", "text")},
}


def kind_of(word: str) -> str:
    kind = KIND_WORDS.get(str(word).strip().lower())
    if kind is None:
        raise BadInput(f"{word!r} is not a kind of record; one of: entry, episode, review, dose, item", field="kind")
    return kind


def field_help(kind: str) -> str:
    return ", ".join(FIELDS[kind])


def describe(pb: Any, kind: str, r: dict[str, Any]) -> str:
    """One record in a line, as the lists show it."""
    at = pb.local
    if kind == "entry":
        return f"entry {r['id']}: {r['intensity']}/10 at {at(r['occurred_at']):%Y-%m-%d %H:%M}"
    if kind == "episode":
        end = f" to {at(r['end_at']):%H:%M}" if r.get("end_at") else ""
        return f"episode {r['id']}: peak {r['peak']}/10 at {at(r['onset']):%Y-%m-%d %H:%M}{end}"
    if kind == "review":
        scores = ", ".join(f"{k} {r[k]}" for k in ("worst", "least", "average", "now") if r.get(k) is not None)
        return f"review of {r['day']:%Y-%m-%d}" + (f": {scores}" if scores else "")
    if kind == "event":
        due = f", due {at(r['due_at']):%H:%M}" if r.get("due_at") else ""
        name = f"{r['item']} " if r.get("item") else f"item {r['item_id']} "
        return f"dose {r['id']}: {name}{r['status']} at {at(r['done_at']):%Y-%m-%d %H:%M}{due}"
    return f"plan item {r['id']}: {PlanItem.from_row(r).label()} ({r['status']})"


def edit_texts(pb: Any, kind: str, row: dict[str, Any]) -> dict[str, str]:
    """A record's editable fields as the text a form shows (and edit_record reads back)."""
    out = {}
    for word, (column, how) in FIELDS[kind].items():
        v = row.get(column)
        if v is None:
            out[word] = ""
        elif how == "when":
            out[word] = f"{pb.local(v):%Y-%m-%d %H:%M}"
        elif how == "list":
            out[word] = ", ".join(v)
        elif isinstance(v, float) and v.is_integer():
            out[word] = str(int(v))
        else:
            out[word] = str(v)
    return out


class Mending:
    """Painboard's edit, delete and undo (a part of painboard.services.Painboard)."""

    def record(self, kind: str, ref: Any) -> dict[str, Any]:
        with self.db.unit_of_work() as con:
            row = self._record(con, kind, ref)
            if kind == "event":  # named as the lists name it
                row["item"] = (store.one(con, "item", row["item_id"]) or {}).get("name")
            return row

    def _record(self, con, kind: str, ref: Any) -> dict[str, Any]:
        if kind == "review":
            key: Any = parse_day(str(ref), self.tz, field="day")
        else:
            try:
                key = int(str(ref).strip())
            except ValueError:
                raise BadInput(f"{ref!r} is not a {NAMES[kind]} number (see '{LISTS[kind]}')", field=kind) from None
        row = store.one(con, kind, key) if kind == "review" or 0 < key < 2**63 else None
        if row is None:
            raise NotFound(f"no {NAMES[kind]} {key} (see '{LISTS[kind]}')")
        return row

    def _read_field(self, kind: str, name: str, text: Any) -> tuple[str, Any]:
        word = str(name).strip().lower().replace("_", "-")
        if word not in FIELDS[kind]:
            raise BadInput(f"cannot be changed here; what can: {field_help(kind)}", field=name)
        column, how = FIELDS[kind][word]
        if not isinstance(text, str):
            return column, text
        t = text.strip()
        if t == "" or t.lower() == "none":
            if how == "when":  # an episode's end too: one reopened would stand beside the open one
                raise BadInput("cannot be empty", field=word)
            return column, [] if how == "list" else None
        if how == "when":
            return column, parse_when(t, self.tz, field=word)
        if how == "day":
            return column, parse_day(t, self.tz, field=word)
        if how == "list":
            return column, [p.strip() for p in t.split(",") if p.strip()]
        return column, t

    def edit_record(self, kind: str, ref: Any, changes: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """Change some fields of one record; returns (as it was, as it is now). A change the new
        record would be refused for changes nothing."""
        if not changes:
            raise BadInput(f"nothing to change; give one of: {field_help(kind)}", field="field")
        read = dict(self._read_field(kind, k, v) for k, v in changes.items())
        with self.db.unit_of_work(write=True) as con:
            before = self._record(con, kind, ref)
            fields = {**before, **read}
            built = MODELS[kind].build(**{k: v for k, v in fields.items() if k in MODELS[kind].model_fields})
            after = {c: getattr(built, c) for c in before if hasattr(built, c)}
            if kind == "event" and "done_at" in read:
                after["due_at"] = self._due_again(con, before, after["done_at"])
            key = before["day" if kind == "review" else "id"]
            store.replace(con, kind, before, after)
            steps = [(kind, key, before)]
            if kind == "item" and any(before[c] != after[c] for c in SCHEDULE_COLUMNS):
                steps += self._match_again(con, PlanItem.from_row(after))
            store.save_undo(con, f"edit of {NAMES[kind]} {key}", steps)
            return before, after

    def _match_again(self, con, it: PlanItem) -> list:
        """A plan item's schedule changed: each recorded dose goes to the due time of the new
        schedule it is nearest to, in the order taken, as `plan done` would have matched it.
        Returns the undo steps (the events as they were)."""
        steps, taken = [], []
        for ev in sorted(store.events_of_item(con, it.id), key=lambda e: (e["done_at"], e["id"])):
            state, due = match_due(it, ev["done_at"], taken, self.tz)
            due = due if state == "open" else None
            if due is not None:
                taken.append(due)
            if due != ev["due_at"]:
                store.replace(con, "event", ev, {**ev, "due_at": due})
                steps.append(("event", ev["id"], ev))
        return steps

    def _due_again(self, con, before: dict[str, Any], at) -> Any:
        """The due time a dose moved to ``at`` belongs to (None: outside every due time)."""
        from painboard.store import repository as repo

        it = PlanItem.from_row(repo.plan_item(con, before["item_id"]))
        near = [e for e in repo.events_due_between(con, at - timedelta(days=2), at + timedelta(days=2), it.id)
                if e["id"] != before["id"]]
        state, due = match_due(it, at, [e["due_at"] for e in near], self.tz)
        if state == "recorded":
            raise BadInput(f"the dose of {it.label()} due {self.local(due):%a %-d %b %H:%M} is already recorded; "
                           "delete that one first", field="at")
        return due if state == "open" else None

    def open_slot_near(self, item_id: int, at) -> Any:
        """For a dose that matched no due time: the open due time it could have been meant for."""
        from painboard.store import repository as repo

        with self.db.unit_of_work() as con:
            it = PlanItem.from_row(repo.plan_item(con, item_id))
            near = repo.events_due_between(con, at - timedelta(days=2), at + timedelta(days=2), it.id)
            return nearest_open(it, at, [e["due_at"] for e in near], self.tz)

    def delete_record(self, kind: str, ref: Any) -> dict[str, Any]:
        """Delete one record (what it carries with it too: a plan item's events); returns it."""
        with self.db.unit_of_work(write=True) as con:
            row = self._record(con, kind, ref)
            key = row["day" if kind == "review" else "id"]
            steps: list = []
            events = store.events_of_item(con, key) if kind == "item" else [row] if kind == "event" else []
            for ev in events:  # an episode's rescue dose goes with the dose; the episode stays
                for ep in store.episodes_with_rescue(con, ev["id"]):
                    store.replace(con, "episode", ep, {**ep, "rescue_event_id": None})
                    steps.append(("episode", ep["id"], ep))
                if kind == "item":
                    store.take_out(con, "event", ev)
                    steps.append(("event", ev["id"], ev))
            store.take_out(con, kind, row)
            steps.append((kind, key, row))
            store.save_undo(con, f"delete of {NAMES[kind]} {key}", steps)
            return row

    def events_of(self, item_id: int) -> list[dict[str, Any]]:
        with self.db.unit_of_work() as con:
            return store.events_of_item(con, item_id)

    def undo_last(self) -> str | None:
        """Undo the last edit or delete made in this database (by either face)."""
        with self.db.unit_of_work(write=True) as con:
            return store.undo(con)

    def last_change(self) -> str | None:
        with self.db.unit_of_work() as con:
            return store.pending_undo(con)

    def records_to_mend(self, each: int = 15) -> list[tuple[str, dict[str, Any], str]]:
        """The newest records of every kind, as (kind, row, words): what the records screen lists."""
        from painboard.store import repository as repo

        with self.db.unit_of_work() as con:
            names = {r["id"]: r for r in repo.plan_items(con)}
            rows = [("entry", r) for r in repo.entries(con, limit=each, newest_first=True)]
            rows += [("episode", r) for r in repo.episodes(con, newest_first=True, limit=each)]
            rows += [("review", r) for r in reversed(repo.reviews(con)[-each:])]
            rows += [("event", {**e, "item": names.get(e["item_id"], {}).get("name")})
                     for e in reversed(repo.events(con)[-each:])]
            rows += [("item", r) for r in names.values()]
        return [(k, r, describe(self, k, r)) for k, r in rows]

    def episodes_list(self, limit: int | None = None) -> list[dict[str, Any]]:
        from painboard.store import repository as repo

        with self.db.unit_of_work() as con:
            return repo.episodes(con, newest_first=bool(limit), limit=limit)

    def reviews_list(self) -> list[dict[str, Any]]:
        from painboard.store import repository as repo

        with self.db.unit_of_work() as con:
            return repo.reviews(con)

    def events_list(self) -> list[dict[str, Any]]:
        from painboard.store import repository as repo

        with self.db.unit_of_work() as con:
            names = {r["id"]: r["name"] for r in repo.plan_items(con)}
            return [{**e, "item": names.get(e["item_id"], "?")} for e in repo.events(con)]
