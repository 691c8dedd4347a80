"""Ordered schema migrations, each applied once in its own transaction and recorded."""

from __future__ import annotations

from painboard.errors import SchemaTooNew, StoreError

MIGRATIONS: list[tuple[int, str, str]] = [
    (1, "initial schema", """
CREATE TABLE meta (key VARCHAR NOT NULL, value VARCHAR);
INSERT INTO meta VALUES ('revision', '0');

CREATE SEQUENCE pain_entry_id START 1;
CREATE TABLE pain_entry (
    id BIGINT NOT NULL DEFAULT nextval('pain_entry_id'),
    occurred_at TIMESTAMPTZ NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    intensity TINYINT NOT NULL CHECK (intensity BETWEEN 0 AND 10),
    sites VARCHAR[],
    qualities VARCHAR[],
    pattern VARCHAR,
    activity VARCHAR,
    worse VARCHAR[],
    better VARCHAR[],
    duration_min INTEGER CHECK (duration_min >= 0),
    note VARCHAR,
    source VARCHAR NOT NULL,
    derived BOOLEAN NOT NULL DEFAULT false,
    original_level VARCHAR,
    key VARCHAR NOT NULL
);

CREATE SEQUENCE episode_id START 1;
CREATE TABLE episode (
    id BIGINT NOT NULL DEFAULT nextval('episode_id'),
    onset TIMESTAMPTZ NOT NULL,
    peak_at TIMESTAMPTZ,
    end_at TIMESTAMPTZ,
    peak TINYINT NOT NULL CHECK (peak BETWEEN 0 AND 10),
    background TINYINT CHECK (background BETWEEN 0 AND 10),
    type VARCHAR,
    trigger VARCHAR,
    site VARCHAR,
    quality VARCHAR,
    rescue_event_id BIGINT,
    relief_min INTEGER CHECK (relief_min >= 0),
    activity_abandoned BOOLEAN,
    note VARCHAR,
    recorded_at TIMESTAMPTZ NOT NULL,
    source VARCHAR NOT NULL,
    key VARCHAR NOT NULL,
    CHECK (end_at IS NULL OR end_at >= onset)
);

CREATE TABLE daily_review (
    day DATE NOT NULL,
    worst TINYINT CHECK (worst BETWEEN 0 AND 10),
    least TINYINT CHECK (least BETWEEN 0 AND 10),
    average TINYINT CHECK (average BETWEEN 0 AND 10),
    now TINYINT CHECK (now BETWEEN 0 AND 10),
    relief_pct TINYINT CHECK (relief_pct BETWEEN 0 AND 100),
    interference MAP(VARCHAR, TINYINT),
    note VARCHAR,
    recorded_at TIMESTAMPTZ NOT NULL
);

CREATE SEQUENCE plan_item_id START 1;
CREATE TABLE plan_item (
    id BIGINT NOT NULL DEFAULT nextval('plan_item_id'),
    category VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    dose DOUBLE,
    unit VARCHAR,
    route VARCHAR,
    kind VARCHAR NOT NULL,
    rrule VARCHAR,
    max_per_day INTEGER,
    on_date DATE,
    sessions INTEGER,
    start_date DATE NOT NULL,
    end_date DATE,
    status VARCHAR NOT NULL,
    mme_factor DOUBLE,
    note VARCHAR
);

CREATE SEQUENCE plan_event_id START 1;
CREATE TABLE plan_event (
    id BIGINT NOT NULL DEFAULT nextval('plan_event_id'),
    item_id BIGINT NOT NULL,
    due_at TIMESTAMPTZ,
    done_at TIMESTAMPTZ NOT NULL,
    status VARCHAR NOT NULL,
    amount DOUBLE CHECK (amount >= 0),
    note VARCHAR,
    episode_id BIGINT,
    source VARCHAR NOT NULL,
    key VARCHAR NOT NULL
);
"""),
    # A liquid's or a tablet's strength ('10 mg/5 ml'), so its doses convert to mg (issue 12).
    (2, "plan item strength", "ALTER TABLE plan_item ADD COLUMN strength VARCHAR;"),
    # Per-local-day aggregates for long ranges (store/rollup.py, issue 9). A zone's days are
    # filled the first time it is read, so an existing database needs nothing more here.
    (3, "daily rollup", """
CREATE TABLE day_rollup (
    tz VARCHAR NOT NULL,
    day DATE NOT NULL,
    n BIGINT NOT NULL,
    total BIGINT NOT NULL,
    worst TINYINT,
    least TINYINT,
    episodes BIGINT NOT NULL,
    worst_peak TINYINT
);
CREATE TABLE day_rollup_zone (tz VARCHAR NOT NULL);
"""),
    # Symptoms beside pain: warning signs the team asked to hear about, side effects, the
    # person's own words (issue 20).
    (4, "symptom", """
CREATE SEQUENCE symptom_id START 1;
CREATE TABLE symptom (
    id BIGINT NOT NULL DEFAULT nextval('symptom_id'),
    name VARCHAR NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('warning_sign', 'side_effect', 'own_words')),
    occurred_at TIMESTAMPTZ NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    severity VARCHAR CHECK (severity IN ('none', 'mild', 'moderate', 'severe')),
    note VARCHAR,
    reported_at TIMESTAMPTZ,
    reported_to VARCHAR,
    source VARCHAR NOT NULL,
    key VARCHAR NOT NULL
);
"""),
    # The reminders sent (issue 21): one row per reminder and channel, claimed before sending
    # (the UNIQUE key makes two overlapping `remind` runs send it once), then its result. The
    # channel is its name in the settings, never its URL.
    (5, "reminders sent", """
CREATE TABLE reminder_sent (
    key VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    item_id BIGINT,
    record_id BIGINT,
    due_at TIMESTAMPTZ,
    claimed_at TIMESTAMPTZ NOT NULL,
    sent_at TIMESTAMPTZ,
    result VARCHAR NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    error VARCHAR,
    UNIQUE (key, channel)
);
"""),
]

LATEST = MIGRATIONS[-1][0]


def applied_version(con) -> int:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations' "
        "AND table_catalog = current_database()"
    ).fetchone()[0]
    if not exists:
        return 0
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0]


def check_not_newer(version: int, path) -> None:
    if version > LATEST:
        raise SchemaTooNew(
            f"{path} was written by a newer painboard (schema {version}; this one knows up to "
            f"{LATEST}). Upgrade painboard to open it; the file was left untouched.")


def schema_version(con, path) -> int:
    """The file's painboard schema version (0: a new, empty file), after the two refusals every
    open makes: a file from a newer painboard, and another application's file (tables of its
    own and no painboard schema), which painboard must leave untouched."""
    version = applied_version(con)
    check_not_newer(version, path)
    if version == 0:
        others = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() "
            "ORDER BY table_name LIMIT 4").fetchall()]
        if others:
            shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
            raise StoreError(f"{path} is not a painboard database: it holds other tables ({shown}) "
                             f"and no painboard schema. It was left untouched; give --db a painboard "
                             f"database or a new file name")
    return version


def migrate(con, path, version: int | None = None) -> int:
    """Apply what is missing; returns how many migrations ran. Caller holds no transaction.
    ``version``: the file's schema_version, when the caller has just read it."""
    if version is None:
        version = schema_version(con, path)
    # Every migration the file has not had, by number: a file written while a later number
    # landed before an earlier one (branches merged out of order) still gets the earlier one.
    done = set() if version == 0 else {r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()}
    ran = 0
    for number, name, sql in MIGRATIONS:
        if number in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            if number == 1:
                con.execute("CREATE TABLE IF NOT EXISTS schema_migrations "
                            "(version INTEGER NOT NULL, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)")
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [number, name])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        ran += 1
    return ran
