#!/usr/bin/env bash
# Regenerate the single initial migration from the models (pre-release: nothing deployed depends on
# intermediate revisions yet). After the first release, add new revisions with `alembic revision --autogenerate`.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f migrations/versions/0001_initial.py
CASINO_DATABASE_URL="sqlite+aiosqlite:///$tmp/empty.db" .venv/bin/alembic revision --autogenerate \
  --rev-id 0001 -m initial >/dev/null
rm -rf "$tmp"
.venv/bin/ruff format -q migrations/versions/0001_initial.py || true
echo "regenerated migrations/versions/0001_initial.py"
