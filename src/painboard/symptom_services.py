"""The symptom use-cases (issue 20): log a symptom, mark a warning sign as reported, list, and
the team's warning-sign list. Painboard (services.py) inherits them. No SQL, never Textual."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from painboard.errors import BadInput, NotFound, ReadOnly
from painboard.mending import by_number
from painboard.models import utcnow
from painboard.models_symptom import Symptom
from painboard.store import symptoms as store
from painboard.warning_signs import SIDE_EFFECTS, Sign, TeamList, team_list


@dataclass
class Logged:
    """A logged symptom and, for a warning sign, the team's words and number to show."""
    symptom: Symptom
    message: str | None  # None: not on the team's list


class Symptoms:
    """Painboard's symptom use-cases (a part of painboard.services.Painboard)."""

    # -- the team's list -----------------------------------------------------------------------
    def team(self) -> TeamList:
        """The warning-sign list from the settings file, read each time (another session or the
        person's editor may change it); a broken list is an error naming the file."""
        from painboard.config import config_path, read_config

        try:
            return team_list(read_config())
        except ValueError as exc:
            raise BadInput(str(exc), field="warning_signs", file=str(config_path())) from None

    def save_team(self, team: TeamList) -> None:
        from painboard.config import save_config
        from painboard.warning_signs import as_config

        if self.settings.read_only:
            raise ReadOnly("changing the warning-sign list")
        save_config(as_config(team))

    def set_team(self, words: str | None = None, phone: str | None = None) -> TeamList:
        t = self.team()
        new = TeamList(t.signs, words if words is not None else t.words, phone if phone is not None else t.phone)
        self.save_team(new)
        return new

    def add_sign(self, name: str, words: str | None = None, phone: str | None = None) -> TeamList:
        t = self.team()
        sign = Sign(" ".join(name.split()), words, phone)
        if not sign.name:
            raise BadInput("a warning sign needs a name", field="name")
        kept = tuple(s for s in t.signs if s is not t.find(name))
        new = TeamList(kept + (sign,), t.words, t.phone)
        self.save_team(new)
        return new

    def remove_sign(self, name: str) -> TeamList:
        t = self.team()
        found = t.find(name)
        if found is None:
            raise NotFound(f"{name!r} is not on the warning-sign list (see 'painboard symptom signs')")
        new = TeamList(tuple(s for s in t.signs if s is not found), t.words, t.phone)
        self.save_team(new)
        return new

    def known_symptoms(self) -> list[str]:
        """Names to pick from: the team's warning signs, then the side effects."""
        return [s.name for s in self.team().signs] + list(SIDE_EFFECTS)

    # -- records -------------------------------------------------------------------------------
    def log_symptom(self, name: str, severity: Any = None, occurred_at: datetime | None = None,
                    note: str | None = None, warning: bool = False) -> Logged:
        """Log a symptom. A name on the team's list (or warning=True) is a warning sign, and
        the team's words and number come back to be shown."""
        team = self.team()
        sign = team.find(name)
        kind = "warning_sign" if (sign or warning) else team.kind_of(name)
        rec = Symptom.build(name=sign.name if sign else name, kind=kind, severity=severity,
                            occurred_at=occurred_at or utcnow(), note=note)
        with self.db.unit_of_work(write=True) as con:
            rec.id = store.insert(con, rec)
        return Logged(rec, team.message(sign) if kind == "warning_sign" else None)

    def symptom(self, symptom_id: Any) -> dict[str, Any]:
        with self.db.unit_of_work() as con:
            return self._symptom(con, symptom_id)

    @staticmethod
    def _symptom(con, symptom_id: Any) -> dict[str, Any]:
        return by_number(symptom_id, lambda n: store.symptom(con, n), "symptom", "a symptom", "painboard symptoms",
                         "symptom")

    def mark_reported(self, symptom_id: Any, to: str, at: datetime | None = None) -> dict[str, Any]:
        """Record that a warning sign was told to someone (who, when); the record stays."""
        who = " ".join(str(to or "").split())
        if not who:
            raise BadInput("say who was told (like 'oncology nurse')", field="to")
        with self.db.unit_of_work(write=True) as con:
            row = self._symptom(con, symptom_id)
            rec = Symptom.build(**{**row, "id": None, "reported_at": at or utcnow(), "reported_to": who})
            store.mark_reported(con, row["id"], rec.reported_at, rec.reported_to)
            return {**row, "reported_at": rec.reported_at, "reported_to": rec.reported_to}

    def symptoms(self, since: date | None = None, until: date | None = None) -> list[dict[str, Any]]:
        lo = self.day_bounds(since)[0] if since else None
        hi = self.day_bounds(until)[0] if until else None  # up to, not including (as entries)
        with self.db.unit_of_work() as con:
            return store.symptoms(con, lo, hi)

    def unreported_warning_signs(self) -> list[dict[str, Any]]:
        """Warning signs logged and not yet marked as reported, oldest first, each with
        ``shown``: the team's words and number (the banner's; the reminders send these)."""
        with self.db.unit_of_work() as con:
            return self.banner_signs(store.unreported_signs(con))

    def delete_symptom(self, symptom_id: Any) -> dict[str, Any]:
        with self.db.unit_of_work(write=True) as con:
            row = self._symptom(con, symptom_id)
            store.delete(con, row["id"])
            return row

    def restore_symptom(self, row: dict[str, Any]) -> Symptom:
        """Put back a symptom deleted in this session (undo): same fields and key, new number."""
        rec = Symptom.build(**{k: v for k, v in row.items() if k != "id"})
        with self.db.unit_of_work(write=True) as con:
            rec.id = store.insert(con, rec)
        return rec

    def banner_signs(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The unreported warning signs (rows of store.unreported_signs), each with the team's
        words to show (the snapshot's banner: read in its unit of work, so the revision poll
        carries it)."""
        if not rows:
            return rows
        try:
            team = self.team()
        except BadInput:  # a broken list in the settings file: the default words still show
            team = team_list({})
        return [{**r, "shown": team.message(team.find(r["name"]))} for r in rows]

    def side_effect_records(self, answers: dict[str, Any], at: datetime | None = None) -> list[Symptom]:
        """The daily review's side-effect answers (name: severity, 0-3 or a word) as records,
        validated before anything is written; 'none' and blank answers record nothing."""
        out = []
        for name, severity in answers.items():
            rec = Symptom.build(name=name, kind="side_effect", severity=severity, occurred_at=at or utcnow(),
                                source="review")
            if rec.severity not in (None, "none"):
                out.append(rec)
        return out

    def write_symptoms(self, records: list[Symptom]) -> int:
        if not records:
            return 0
        with self.db.unit_of_work(write=True) as con:
            return store.append(con, records)

    def warnings_to_send(self) -> list[tuple[Any, str, datetime]]:
        """(id, name, when) of each unreported warning sign: what the reminders send at once
        (reminders.warning_reminders, issue 21's seam)."""
        return [(r["id"], r["name"], r["occurred_at"]) for r in self.unreported_warning_signs()]
