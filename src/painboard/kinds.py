"""The names painboard's records and plan items come in, defined once, with no imports, so
the CLI can offer them as choices without loading the models."""

# The kinds of record painboard keeps, one table each: what importers yield and exports hold.
RECORD_KINDS = ("pain_entry", "episode", "daily_review", "plan_item", "plan_event", "symptom")

# A plan item's category.
CATEGORIES = ("medication", "bone_strengthening", "radiation", "procedure", "supportive")
