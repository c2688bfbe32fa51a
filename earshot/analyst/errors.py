"""Typed errors of the analyst layer (the CLI prints them and exits with status 2 or 1)."""

from __future__ import annotations


class AnalystError(Exception):
    """Base of every analyst-layer error."""


class InvalidArgument(AnalystError, ValueError):
    """User input was rejected before any SQL ran (bad topic id, date, interval ...)."""


class QueryFailed(AnalystError):
    """The store refused or failed the query (the message carries ClickHouse's error text)."""


class StoreUnavailable(QueryFailed):
    """Neither the worker's query endpoint nor the store itself could be reached."""
