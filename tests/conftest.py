"""Shared pytest setup: fixtures for the real local broker and ClickHouse live in tests/fixtures/."""

pytest_plugins = ["tests.fixtures.broker", "tests.fixtures.clickhouse"]
