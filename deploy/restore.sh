#!/usr/bin/env bash
# Restore a dump made by backup.sh into a database, in one transaction (all or nothing).
#
#   deploy/restore.sh /var/backups/sipas/sipas-20261127T020000Z.dump postgresql://sipas@127.0.0.1/sipas_restored
#   deploy/restore.sh DUMP TARGET_URL --force     # replace the tables of a non-empty database
#
# The target database must exist (createdb -O sipas sipas_restored). It must hold no table
# unless --force is given: then the dump's tables are dropped and recreated (other tables stay).
# Objects get the connecting role as owner (--no-owner), so the dump restores under another
# role name. Afterwards it prints every table's row count; then run `sipas db upgrade` with
# DATABASE_URL set to the target if the dump comes from an older release.
# With EVIDENCE_DIR set, the evidence files saved beside the dump (DUMP minus .dump, plus
# .evidence.tar) are unpacked into that folder (existing files are kept: names are checksums).
# With EVIDENCE_STORE=s3 they are unpacked into a temporary folder and put into the bucket of
# EVIDENCE_S3_* by `sipas par evidence-restore` (SIPAS as for backup.sh), each checked against its
# SHA-256; objects already in the bucket are kept.
set -euo pipefail

if [ $# -lt 2 ] || [ $# -gt 3 ] || { [ $# -eq 3 ] && [ "$3" != "--force" ]; }; then
  echo "usage: $0 DUMP TARGET_URL [--force]" >&2
  exit 2
fi
dump="$1"
url="$(printf '%s' "$2" | sed -E 's#^postgres(ql)?(\+[a-z0-9_]+)?://#postgresql://#')"
force="${3:-}"

[ -r "$dump" ] || { echo "restore.sh: cannot read $dump" >&2; exit 2; }
pg_restore --list "$dump" >/dev/null || { echo "restore.sh: $dump is not a pg_dump archive" >&2; exit 2; }

if ! tables="$(psql --no-psqlrc -X -At -v ON_ERROR_STOP=1 --dbname="$url" \
      -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")"; then
  echo "restore.sh: cannot connect to the target; create it first (createdb -O OWNER NAME)" >&2
  exit 1
fi
clean=()
if [ "$tables" != "0" ]; then
  if [ "$force" != "--force" ]; then
    echo "restore.sh: the target database already has $tables table(s); refusing to overwrite" \
         "them (restore into a new database, or add --force)" >&2
    exit 1
  fi
  clean=(--clean --if-exists)
fi

pg_restore --dbname="$url" --no-owner --single-transaction --exit-on-error "${clean[@]}" "$dump"

evidence_tar="${dump%.dump}.evidence.tar"
if [ "${EVIDENCE_STORE:-local}" = "s3" ] && [ -r "$evidence_tar" ]; then
  sipas="${SIPAS:-$(cd "$(dirname "$0")/.." && pwd)/.venv/bin/sipas}"
  [ -x "$sipas" ] || sipas="sipas"
  unpacked="$(mktemp -d)"
  trap 'rm -rf "$unpacked"' EXIT
  tar --extract --file="$evidence_tar" --directory="$unpacked"
  DATABASE_URL="$2" "$sipas" par evidence-restore --dir "$unpacked"
elif [ -n "${EVIDENCE_DIR:-}" ] && [ -r "$evidence_tar" ]; then
  mkdir -p "$EVIDENCE_DIR"
  tar --extract --file="$evidence_tar" --directory="$EVIDENCE_DIR" --keep-old-files 2>/dev/null \
    || tar --extract --file="$evidence_tar" --directory="$EVIDENCE_DIR" --skip-old-files
  echo "restored evidence files into $EVIDENCE_DIR"
fi
echo "restored $dump; rows per table:"
psql --no-psqlrc -X -At -F ' ' -v ON_ERROR_STOP=1 --dbname="$url" <<'SQL'
SELECT table_name,
       (xpath('/row/n/text()',
              query_to_xml(format('SELECT count(*) AS n FROM %I.%I', table_schema, table_name),
                           false, true, '')))[1]::text
FROM information_schema.tables
WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
ORDER BY table_name;
SQL
