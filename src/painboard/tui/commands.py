"""painboard's commands in the command palette (ctrl+p)."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from painboard.tui.format import RANGE_PERIODS

# title, help, action on the main screen
COMMANDS = [
    ("Log pain", "Open the full log form", "log_form"),
    ("Breakthrough episode", "Start one now (or end the open one)", "breakthrough"),
    ("Daily review", "A few questions about today's pain", "review"),
    ("Export", "Write your log to a file for your care team", "export"),
    ("Import a file", "Read another app's export (or painboard's own) into your log", "import_file"),
    ("Radiation and insights", "Radiation flare and response by week; triggers, hours, what helps", "insights"),
    ("Tick plan item", "Record the selected plan item (again: undo)", "tick"),
    ("Metrics", "Every metric over the last 7 days, in full", "metrics"),
    ("Plan", "Every plan item and when it is due", "plan_list"),
    ("Plugins", "The plugins found, what each adds, and any that could not load", "plugins"),
    ("Records: edit or delete", "Correct or delete any entry, episode, review, dose or plan item", "records"),
    ("Undo last edit or delete", "Put back what the last edit or delete changed", "restore_entry"),
    ("Undo last as-needed dose", "Remove today's latest dose of the selected as-needed item", "undo_dose"),
] + [
    (f"Chart: {words}", f"Show {words} on the chart" if days else "Show everything logged", f"range('{label}')")
    for label, words, days in RANGE_PERIODS
] + [    ("Refresh", "Read the database again now", "refresh"),
    ("Help", "Every key painboard knows", "app.help"),
]


class PainboardCommands(Provider):
    async def _run(self, action: str) -> None:
        main = getattr(self.app, "main_screen", None)
        if action.startswith("app."):
            await self.app.run_action(action)
        elif main is not None:
            await self.app.run_action(action, main)

    async def discover(self) -> Hits:
        for title, help_text, action in COMMANDS:
            yield DiscoveryHit(title, partial(self._run, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, action in COMMANDS:
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self._run, action), help=help_text)
