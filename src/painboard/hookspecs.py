"""The hooks a painboard plugin can implement.

Every hook receives a ``register`` callback (or the click group) rather than returning a value,
so one plugin can add several things and painboard can say which plugin added what. The
contract types (Importer, Metric, Exporter and what they exchange) live in painboard.plugin_api.
docs/plugins.md documents each hook; a test fails when one is missing there.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("painboard")
hookimpl = pluggy.HookimplMarker("painboard")


@hookspec
def register_importers(register):
    """Register file importers: call ``register(Importer(...))`` once for each."""


@hookspec
def register_metrics(register):
    """Register metrics: call ``register(Metric(...))`` once for each."""


@hookspec
def register_exporters(register):
    """Register export formats: call ``register(Exporter(...))`` once for each."""


@hookspec
def register_commands(cli):
    """Add commands to the ``painboard`` command line: ``cli`` is the click group."""


@hookspec
def register_notifiers(register):
    """Register reminder channels: call ``register(Notifier(...))`` (painboard.notifiers) once
    for each."""
