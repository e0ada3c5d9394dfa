"""shoplake: an event-driven analytics platform for e-commerce data."""

__version__ = "0.1.0"
