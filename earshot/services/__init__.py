"""Local services (broker, ClickHouse server) for development, tests and the demo job."""
