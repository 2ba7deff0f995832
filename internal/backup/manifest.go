package backup

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"time"

	"accord/internal/store"
)

// The names of a backup's parts.
const (
	ManifestName = "manifest.json"
	SQLiteFile   = "accord.db"     // SQLite's database, VACUUM INTO's copy
	PostgresFile = "accord.pgdump" // pg_dump's custom format
	FilesDir     = "files"         // SQLite's large attachments, as in the data directory
)

// Format is the version of the layout this package writes and reads.
const Format = 1

// Manifest describes a backup.
type Manifest struct {
	Format int          `json:"format"`
	Engine store.Engine `json:"engine"`
	// SchemaVersion is the newest migration applied to the database copied.
	SchemaVersion int64     `json:"schema_version"`
	AccordVersion string    `json:"accord_version"`
	AccordCommit  string    `json:"accord_commit"`
	CreatedAt     time.Time `json:"created_at"`
	// Counts are the rows of every table, taken in the copy's snapshot.
	Counts map[string]int64 `json:"counts"`
	// Files are every file of the backup but the manifest, by slash path.
	Files []File `json:"files"`
}

// File is one file of a backup.
type File struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// ErrNoManifest says a directory or archive holds no manifest.
var ErrNoManifest = errors.New("no " + ManifestName)

// ReadManifest reads dir's manifest.
func ReadManifest(dir string) (Manifest, error) {
	var m Manifest
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return m, fmt.Errorf("%w in %s: not an Accord backup, or an unfinished one", ErrNoManifest, dir)
	}
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("%s: %w", ManifestName, err)
	}
	if m.Format != Format {
		return m, fmt.Errorf("%s: format %d, this accord reads format %d", ManifestName, m.Format, Format)
	}
	if m.Engine != store.SQLite && m.Engine != store.Postgres {
		return m, fmt.Errorf("%s: unknown engine %q", ManifestName, m.Engine)
	}
	for _, f := range m.Files {
		if !localPath(f.Path) || f.Path == ManifestName {
			return m, fmt.Errorf("%s: file %q is not a path inside the backup", ManifestName, f.Path)
		}
	}
	if !slices.ContainsFunc(m.Files, func(f File) bool { return f.Path == m.DatabaseFile() }) {
		return m, fmt.Errorf("%s: lists no %s", ManifestName, m.DatabaseFile())
	}
	return m, nil
}

// DatabaseFile is the name of the database's copy in a backup of m's engine.
func (m Manifest) DatabaseFile() string {
	if m.Engine == store.Postgres {
		return PostgresFile
	}
	return SQLiteFile
}

// localPath reports whether p, a slash path, stays inside the directory.
func localPath(p string) bool {
	return p != "" && path.Clean(p) == p && filepath.IsLocal(filepath.FromSlash(p))
}

// Check verifies that every file the manifest lists is in dir with its
// size and SHA-256, reading each once; progress, if not nil, is told the
// bytes read.
func Check(dir string, m Manifest, progress io.Writer) error {
	for _, f := range m.Files {
		size, sum, err := hashFile(filepath.Join(dir, filepath.FromSlash(f.Path)), progress)
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s is missing from the backup", f.Path)
		}
		if err != nil {
			return err
		}
		if size != f.Size || sum != f.SHA256 {
			return fmt.Errorf("checksum mismatch: %s has %d bytes with SHA-256 %s, the manifest says %d bytes with %s", f.Path, size, sum, f.Size, f.SHA256)
		}
	}
	return nil
}

// Size is the total size of the files the manifest lists.
func (m Manifest) Size() int64 {
	var n int64
	for _, f := range m.Files {
		n += f.Size
	}
	return n
}

func hashFile(name string, progress io.Writer) (int64, string, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	w := io.Writer(h)
	if progress != nil {
		w = io.MultiWriter(h, progress)
	}
	n, err := io.Copy(w, f)
	if err != nil {
		return 0, "", fmt.Errorf("read %s: %w", name, err)
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// writeManifest lists every file under dir in m and writes m there.
func writeManifest(dir string, m *Manifest) error {
	m.Files = nil
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel == ManifestName {
			return nil
		}
		size, sum, err := hashFile(p, nil)
		if err != nil {
			return err
		}
		m.Files = append(m.Files, File{Path: rel, Size: size, SHA256: sum})
		return nil
	})
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return writeSynced(filepath.Join(dir, ManifestName), b)
}

func writeSynced(name string, b []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
