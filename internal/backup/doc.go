// Package backup makes and reads Accord's backups: a directory (or a tar
// archive of one) holding the database, SQLite's large attachments and a
// manifest.json that records the schema version, the Accord version, the
// row count of every table and the size and SHA-256 of every other file.
//
// Consistency: on SQLite the database is copied with VACUUM INTO, one read
// transaction, so the copy is a committed state of the database. Large
// attachments are written to the data directory before the row that names
// them commits and are never deleted afterwards, so every file the copy's
// case_files rows name exists when it is copied; the backup copies exactly
// those files (an upload whose transaction has not committed is not
// referenced, and is left out). On PostgreSQL every attachment lives in
// its row; pg_dump runs on a snapshot exported from a REPEATABLE READ
// transaction in which the counts are taken too, so the dump and the
// manifest describe the same instant.
//
// Invariant: Check accepts a backup only if its manifest is readable and
// every file it lists is there with its size and checksum; callers check
// before they write anything to a restore target.
package backup
