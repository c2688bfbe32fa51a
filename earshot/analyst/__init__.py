"""The analyst layer: queries over the ClickHouse store, and the ``earshot query`` commands."""
