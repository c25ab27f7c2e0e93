#!/usr/bin/env bash
# tradewind's two commands. Each sets up .venv (Python >= 3.11) on first use, then:
#   ./dev.sh demo   backtest a built-in strategy on generated sample data (no keys, no network)
#   ./dev.sh test   lint, type-check and run the whole test suite
# The PostgreSQL store tests start a throwaway server of their own when initdb/pg_ctl are
# installed (Debian: apt-get install postgresql; .ci/run does that) or use
# TRADEWIND_TEST_POSTGRES_URL; otherwise they are skipped, saying why. See docs/state.md.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      PYTHON="$candidate"; break
    fi
  done
fi
if [ -z "$PYTHON" ]; then
  echo "error: tradewind needs Python >= 3.11; install it or set PYTHON=/path/to/python3.11" >&2
  exit 1
fi

setup() {
  if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
  fi
  # Reinstall only when pyproject.toml changed since the last install.
  local stamp=.venv/.tradewind-installed
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e ".[dev]"
    touch "$stamp"
  fi
}

cmd="${1:-demo}"
shift || true
case "$cmd" in
  demo)
    setup
    exec .venv/bin/tradewind demo "$@"
    ;;
  test)
    setup
    .venv/bin/ruff check src tests bench
    .venv/bin/ruff format --check src tests bench
    .venv/bin/mypy
    exec .venv/bin/python -m pytest -n 2 -q "$@"
    ;;
  *)
    echo "usage: ./dev.sh demo | ./dev.sh test [pytest args]" >&2
    exit 2
    ;;
esac
