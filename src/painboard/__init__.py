"""painboard: a terminal dashboard for living with cancer-related bone pain."""

__version__ = "0.1.0"
