#!/usr/bin/env bash
# First run: set up .venv (once) and show what plansync reads in the example plans.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/plansync ]; then
  echo "Setting up .venv (once) ..."
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -e '.[test]'
fi
.venv/bin/plansync check examples/
echo "Read-only: the example files are unchanged. Try: .venv/bin/plansync check --json examples/launch-plan.md"
