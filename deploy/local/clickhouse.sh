#!/usr/bin/env bash
# Start, stop or check the local ClickHouse server (Debian's clickhouse-server, 127.0.0.1 only):
#   deploy/local/clickhouse.sh start|stop|status [--dir DIR] [--http-port N] [--tcp-port N]
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
py="${EARSHOT_PYTHON:-$here/.venv/bin/python}"
exec "$py" -m earshot.services.clickhouse "$@"
