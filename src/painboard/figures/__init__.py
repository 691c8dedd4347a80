"""Every figure painboard shows, computed here only, over plain rows, one module per topic.

Standard library only (no duckdb, pydantic or Textual), so the dashboard's first frame can use
it. The Today panel, the metrics, the visit reports, the CLI and the exports word these
results; none of them repeats the arithmetic. The figures inform; none of them is advice.
Sources are named beside each figure; docs/clinical.md explains them in our own words.

- severity: bands of a 0-10 score, whole points
- rows: reading a row given as a dict or an object
- days: local days and month arithmetic
- opioids: the opioid table, names, routes, dose units
- omed: oral morphine equivalents (OMED) per day and per drug
- rescue: rescue doses against the cap and the marker
- schedule: due-time matching, adherence, bone-agent next due date
- pain_days: daily worst / least / average with the daily review
- episodes: the breakthrough profile
- end_of_dose: episodes before a long-acting dose
- radiation: flare and response after a radiotherapy course
- insights: triggers, activities, hours, rescue before/after, what helps
- period: figures_of(view), the one PeriodFigures of a period view, each figure once
"""
