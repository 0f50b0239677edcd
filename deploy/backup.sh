#!/usr/bin/env bash
# Back up the SIPAS database: one pg_dump in custom format, checked, then old ones pruned.
#
#   DATABASE_URL=postgresql://sipas@127.0.0.1/sipas deploy/backup.sh
#
# Run daily by sipas-backup.timer (docs/deployment.md). Settings (environment):
#   DATABASE_URL       the app's database (postgresql:// or postgresql+psycopg://); required
#   BACKUP_DIR         where dumps go (default /var/backups/sipas)
#   BACKUP_KEEP_DAYS   dumps older than this many days are deleted (default 14; 0 keeps all)
#   EVIDENCE_DIR       the PAR evidence folder (EVIDENCE_STORE=local); when it exists, its files
#                      go beside the dump as sipas-STAMP.evidence.tar (with EVIDENCE_STORE=database
#                      the files are inside the dump already)
#   EVIDENCE_STORE=s3  the bucket's evidence objects are first synced into a mirror folder
#                      (EVIDENCE_MIRROR_DIR, default BACKUP_DIR/evidence-mirror; only new objects
#                      are downloaded, each checked against its SHA-256) by `sipas par
#                      evidence-backup`, which reads EVIDENCE_S3_* and the AWS_* credentials from
#                      the same environment; the mirror is then tarred as for a folder
#   SIPAS              the sipas command (default: the .venv beside deploy/, else sipas on PATH)
# Prints the dump's path. Exit status non-zero when anything failed (no half-written dump is
# ever left under the final name: it is written as .partial, checked, then renamed).
set -euo pipefail
umask 077

: "${DATABASE_URL:?set DATABASE_URL to the database to back up}"
dir="${BACKUP_DIR:-/var/backups/sipas}"
keep="${BACKUP_KEEP_DAYS:-14}"

# SQLAlchemy's driver suffix means nothing to libpq: postgresql+psycopg:// -> postgresql://
url="$(printf '%s' "$DATABASE_URL" | sed -E 's#^postgres(ql)?(\+[a-z0-9_]+)?://#postgresql://#')"
case "$url" in
  postgresql://*) ;;
  *) echo "backup.sh: DATABASE_URL is not a PostgreSQL URL; back up SQLite by copying the file" >&2
     exit 2 ;;
esac

mkdir -p "$dir"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
final="$dir/sipas-$stamp.dump"
partial="$final.partial"
trap 'rm -f "$partial"' EXIT

# one consistent snapshot of every table (pg_dump runs in a repeatable-read transaction);
# the app keeps writing meanwhile
pg_dump --format=custom --compress=6 --dbname="$url" --file="$partial"
# a dump that pg_restore cannot list is not a backup
pg_restore --list "$partial" >/dev/null
mv "$partial" "$final"
trap - EXIT

# evidence files: content-addressed and never changed, so a tar taken after the dump holds every
# file the dump's rows name (a file uploaded meanwhile is only extra)
evidence="${EVIDENCE_DIR:-}"
if [ "${EVIDENCE_STORE:-local}" = "s3" ]; then
  sipas="${SIPAS:-$(cd "$(dirname "$0")/.." && pwd)/.venv/bin/sipas}"
  [ -x "$sipas" ] || sipas="sipas"
  evidence="${EVIDENCE_MIRROR_DIR:-$dir/evidence-mirror}"
  "$sipas" par evidence-backup --dir "$evidence" >&2
elif [ "${EVIDENCE_STORE:-local}" = "database" ]; then
  evidence=""
fi
if [ -n "$evidence" ] && [ -d "$evidence" ]; then
  tar_final="$dir/sipas-$stamp.evidence.tar"
  tar --create --file="$tar_final.partial" --directory="$evidence" --exclude='.upload-*' .
  tar --list --file="$tar_final.partial" >/dev/null
  mv "$tar_final.partial" "$tar_final"
  echo "$tar_final" >&2
fi

if [ "$keep" -gt 0 ]; then
  find "$dir" -maxdepth 1 \( -name 'sipas-*.dump' -o -name 'sipas-*.evidence.tar' \) -type f \
    -mtime +"$keep" -print -delete |
    sed 's/^/backup.sh: deleted old /' >&2
fi
find "$dir" -maxdepth 1 -name 'sipas-*.dump.partial' -type f -mmin +60 -delete
echo "$final"
