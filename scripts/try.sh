#!/usr/bin/env bash
# First run: set up .venv (once), start the local sandbox tracker, sync a copy of the example
# plans with it both ways, and show what changed. Needs no account and no token.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/plansync ]; then
  echo "Setting up .venv (once) ..."
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -e '.[test]'
fi
PORT="${PLANSYNC_DEMO_PORT:-8765}"
DEMO=.demo
SANDBOX="http://127.0.0.1:$PORT"
export PLANSYNC_SANDBOX_TOKEN=sandbox

# A fresh copy of the examples and the default config: the repository's own files stay as they are.
rm -rf "$DEMO" && mkdir -p "$DEMO/config"
cp -R examples "$DEMO/examples"
sed -e "s#http://127.0.0.1:8765#$SANDBOX#" config/plansync.toml > "$DEMO/config/plansync.toml"
CONFIG="$DEMO/config/plansync.toml"

.venv/bin/plansync sandbox --port "$PORT" --repo demo/examples > "$DEMO/sandbox.log" 2>&1 &
SANDBOX_PID=$!
trap 'kill $SANDBOX_PID 2>/dev/null || true' EXIT
.venv/bin/python - "$SANDBOX" <<'PY'
import sys, time, urllib.request
for _ in range(100):
    try:
        urllib.request.urlopen(sys.argv[1] + "/_sandbox/state", timeout=1)
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(f"the sandbox did not start on {sys.argv[1]}; see .demo/sandbox.log "
         "(port taken? set PLANSYNC_DEMO_PORT)")
PY
if ! kill -0 "$SANDBOX_PID" 2>/dev/null; then  # something else answered on that port
  echo "the sandbox could not start on $SANDBOX; see $DEMO/sandbox.log (set PLANSYNC_DEMO_PORT)" >&2
  exit 1
fi
act() {  # play a person on the tracker, through the sandbox's control endpoint
  .venv/bin/python -c 'import json, sys, urllib.request as u
u.urlopen(u.Request(sys.argv[1] + "/_sandbox/act", data=sys.argv[2].encode(),
          headers={"Content-Type": "application/json"}), timeout=5)' "$SANDBOX" "$1"
}

# The people map sends the plan's owner `alice` to the tracker user alice: she must exist there.
act '{"action": "set_permission", "repo": "demo/examples", "user": "alice", "role": "write"}'

echo "== 1. First sync: every task gets an issue, every phase / sprint / week a milestone,"
echo "==    every plan a summary block, every milestone a progress line, every plan a tracking issue"
.venv/bin/plansync sync --config "$CONFIG"

echo
echo "== 2. Both sides move: issue #2 ('Choose the static site generator') is closed on the"
echo "==    tracker, 'Redirect every old URL' is ticked in the plan, issue #14 (ACC-101) is renamed"
act '{"action": "close_issue", "repo": "demo/examples", "number": 2}'
act '{"action": "set_title", "repo": "demo/examples", "number": 14, "title": "[ACC-101] Sign-up with e-mail and phone verification"}'
.venv/bin/python - "$DEMO/examples/launch-plan.md" <<'PY'
import sys
from pathlib import Path
path = Path(sys.argv[1])
path.write_bytes(path.read_bytes().replace(b"- [ ] Redirect every old URL", b"- [x] Redirect every old URL", 1))
PY
.venv/bin/plansync sync --config "$CONFIG"

echo
echo "== 3. Nothing changed since: nothing to do"
.venv/bin/plansync sync --config "$CONFIG"

echo
echo "What the plans got (issue links, ticks, the new title, and the summary under each title):"
diff -ru examples "$DEMO/examples" || true
echo
echo "Look further: the synced copy is in $DEMO/examples (\`.venv/bin/plansync status --config"
echo "$CONFIG\` shows its figures); the tracker's issues were at"
echo "$SANDBOX/_sandbox/state (the sandbox stops with this script)."
echo "Next: point config/plansync.toml's [projects.tracker] at your own GitHub or GitLab"
echo "repository (see the comments there), export GITHUB_TOKEN or GITLAB_TOKEN, and run"
echo "  .venv/bin/plansync sync --dry-run     # shows what it would do; writes nothing"
