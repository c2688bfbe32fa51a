"""Errors raised by ingest workers."""


class IngestError(Exception):
    """Base class of ingest errors."""


class SourceError(IngestError):
    """A source could not be opened or read (missing file, unknown format)."""


class PublishError(IngestError):
    """Mentions could not be delivered to Kafka after all retries. ``failed`` says how many."""

    def __init__(self, message: str, failed: int) -> None:
        super().__init__(message)
        self.failed = failed
