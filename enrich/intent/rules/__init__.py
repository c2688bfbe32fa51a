"""Bundled intent rule files (YAML), one per language plus ``any.yaml`` for every language."""
