"""The team's warning-sign list and the side effects painboard knows by name.

Standard library only (the dashboard and the CLI read it before anything heavy). The list
is the person's care team's: shipped with the default from docs/reference (clinical.md,
"Warning signs to report at once": NICE NG234, Scottish referral guidelines), kept and
edited in the settings file (config.toml, [[warning_signs]] tables; team_words and
team_phone). painboard never writes its own instructions: the words shown when a sign is
logged are the team's, and by default only DEFAULT_WORDS and the number the person entered.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_WORDS = "Your care team asked you to report this today"

# The default list, in the person's words (the team edits it). Constipation, nausea and
# drowsiness are on the reference's high-calcium line too, but as everyday opioid side effects
# they are recorded as side effects; the high-calcium signs kept here are the ones that are new.
DEFAULT_SIGNS = (
    "new weakness in an arm or leg",
    "difficulty walking",
    "numbness, tingling or loss of feeling",
    "new problems controlling bladder or bowels",
    "pain spreading around the body or down a limb",
    "pain in the upper or middle back",
    "lower back pain getting worse or severe",
    "back pain worse on coughing, sneezing or straining",
    "back pain at night that stops sleep",
    "sudden severe pain in a bone",
    "unable to put weight on a leg",
    "new strong thirst",
    "passing much more urine",
    "new confusion or unusual drowsiness",
)

# Opioid side effects worth recording beside pain (for the visit, not alarms).
SIDE_EFFECTS = ("constipation", "nausea", "drowsiness", "confusion", "itching")

SEVERITIES = ("none", "mild", "moderate", "severe")
KINDS = ("warning_sign", "side_effect", "own_words")
MAX_SIGNS = 50
MAX_FIELD = 200


def same_words(text: str | None) -> str:
    """Names compared as they read: the one rule, models.same_words (loaded when first used)."""
    from painboard.models import same_words as rule

    return rule(text)


@dataclass(frozen=True)
class Sign:
    name: str
    words: str | None = None  # the team's words for this sign; None: the team's general words
    phone: str | None = None


@dataclass(frozen=True)
class TeamList:
    signs: tuple[Sign, ...]
    words: str | None = None  # the team's general words (team_words)
    phone: str | None = None  # the number the person entered (team_phone)

    def find(self, name: str | None) -> Sign | None:
        key = same_words(name)
        return next((s for s in self.signs if same_words(s.name) == key), None) if key else None

    def kind_of(self, name: str) -> str:
        if self.find(name):
            return "warning_sign"
        if same_words(name) in SIDE_EFFECTS:
            return "side_effect"
        return "own_words"

    def message(self, sign: Sign | None) -> str:
        """What is shown when a sign is logged: the team's words and number, never ours."""
        words = (sign.words if sign else None) or self.words or DEFAULT_WORDS
        phone = (sign.phone if sign else None) or self.phone
        return f"{words}" + (f": {phone}" if phone else "")


def _field(value, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{what} must be text")
    value = " ".join(value.split())
    if len(value) > MAX_FIELD:
        raise ValueError(f"{what} is longer than {MAX_FIELD} characters")
    return value or None


def team_list(conf: dict) -> TeamList:
    """The list from the settings file's dict (config.read_config); the default when unset.
    Raises ValueError naming the entry when an entry is not a sign."""
    raw = conf.get("warning_signs")
    if raw is None:
        signs = tuple(Sign(n) for n in DEFAULT_SIGNS)
    else:
        if not isinstance(raw, list) or len(raw) > MAX_SIGNS:
            raise ValueError(f"warning_signs must be a list of at most {MAX_SIGNS} signs")
        out = []
        for i, item in enumerate(raw, 1):
            if not isinstance(item, dict) or not _field(item.get("name"), f"warning_signs {i} name"):
                raise ValueError(f"warning_signs entry {i} has no name")
            out.append(Sign(_field(item["name"], f"warning_signs {i} name"),
                            _field(item.get("words"), f"warning_signs {i} words"),
                            _field(item.get("phone"), f"warning_signs {i} phone")))
        signs = tuple(out)
    return TeamList(signs, _field(conf.get("team_words"), "team_words"),
                    _field(conf.get("team_phone"), "team_phone"))


def as_config(team: TeamList) -> dict:
    """The list as settings-file keys (config.save_config writes them)."""
    return {"warning_signs": [{k: v for k, v in (("name", s.name), ("words", s.words), ("phone", s.phone)) if v}
                              for s in team.signs],
            "team_words": team.words, "team_phone": team.phone}
