#!/usr/bin/env bash
# Start, stop or check the local Tansu broker: deploy/local/broker.sh start|stop|status [--dir DIR] [--port N]
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
py="${EARSHOT_PYTHON:-$here/.venv/bin/python}"
exec "$py" -m earshot.services.broker "$@"
