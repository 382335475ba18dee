"""Briefings as code: load, check and render intelligence briefings kept as YAML."""

__version__ = "0.1.0"
