"""The spike stage: closed-window counts from ClickHouse -> detectors -> one alert per incident."""
