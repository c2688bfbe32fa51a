"""ClickHouse sinks: backends (server or embedded chdb), schema migrations and idempotent writers.

Typical use::

    backend = open_backend(settings.clickhouse_url)
    migrate(backend)
    MentionWriter(backend).write(mentions)
"""

from sinks.backends import ChdbBackend, ClickHouseBackend, ServerBackend, open_backend
from sinks.batcher import Batcher
from sinks.errors import SinkConfigError, SinkError, SinkRejected, SinkUnavailable
from sinks.migrations import MIGRATIONS, migrate
from sinks.writers import AlertWriter, DeadLetterWriter, MentionWriter

__all__ = [
    "MIGRATIONS", "AlertWriter", "Batcher", "ChdbBackend", "ClickHouseBackend", "DeadLetterWriter",
    "MentionWriter", "ServerBackend", "SinkConfigError", "SinkError", "SinkRejected", "SinkUnavailable",
    "migrate", "open_backend",
]
