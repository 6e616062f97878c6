#!/usr/bin/env bash
# moto's server (an AWS API emulator) for the cloud backends' control-plane tests; idempotent.
set -euo pipefail
if python3 -c 'import moto, flask' >/dev/null 2>&1 && command -v moto_server >/dev/null 2>&1; then exit 0; fi
python3 -m pip install --quiet 'moto[server]>=5.1,<6'
