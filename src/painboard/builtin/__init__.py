"""painboard's own importers, metrics and exporters: ordinary plugins, registered through the
same hooks as any outside plugin (see painboard.plugins.BUILTIN_MODULES)."""
