package backup

import (
	"archive/tar"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"accord/internal/store"
)

// stage makes a backup directory with a database file and an attachment.
func stage(t *testing.T) (string, Manifest) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "b")
	for name, content := range map[string]string{SQLiteFile: "database", "files/org1/file1": strings.Repeat("x", 70<<10)} {
		if err := writeFile(filepath.Join(dir, filepath.FromSlash(name)), strings.NewReader(content)); err != nil {
			t.Fatal(err)
		}
	}
	m := Manifest{Format: Format, Engine: store.SQLite, SchemaVersion: 3, Counts: map[string]int64{"cases": 1}}
	if err := writeManifest(dir, &m); err != nil {
		t.Fatal(err)
	}
	return dir, m
}

func TestArchiveRoundTrip(t *testing.T) {
	dir, m := stage(t)
	for _, name := range []string{"b.tar", "b.tar.gz", "b.tgz"} {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), name)
			if !Archived(file) {
				t.Fatalf("%s is not taken for an archive", name)
			}
			if err := Pack(dir, m, file, nil); err != nil {
				t.Fatal(err)
			}
			got, done, err := Open(file)
			if err != nil {
				t.Fatal(err)
			}
			defer done()
			back, err := ReadManifest(got)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(m, back); diff != "" {
				t.Errorf("manifest after the round trip (-want +got):\n%s", diff)
			}
			if err := Check(got, back, nil); err != nil {
				t.Error(err)
			}
		})
	}
	if Archived(filepath.Join(dir, "backup-dir")) {
		t.Error("a name without .tar is taken for an archive")
	}
}

// boundedProgress fails a write past its total, as a terminal's progress
// bar sized by Manifest.Size does.
type boundedProgress struct{ left int64 }

func (b *boundedProgress) Write(p []byte) (int, error) {
	if b.left -= int64(len(p)); b.left < 0 {
		return 0, errors.New("current number exceeds max")
	}
	return len(p), nil
}

// Pack reports the bytes of the manifest's files, which Manifest.Size
// counts, and not those of the manifest itself.
func TestPackProgressFitsManifestSize(t *testing.T) {
	dir, m := stage(t)
	progress := &boundedProgress{left: m.Size()}
	if err := Pack(dir, m, filepath.Join(t.TempDir(), "b.tar.gz"), progress); err != nil {
		t.Fatal(err)
	}
	if progress.left != 0 {
		t.Errorf("%d byte(s) of %d not reported", progress.left, m.Size())
	}
}

func TestCheckNamesTheFile(t *testing.T) {
	dir, m := stage(t)
	if err := os.WriteFile(filepath.Join(dir, "files", "org1", "file1"), []byte("tampered"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Check(dir, m, nil); err == nil || !strings.Contains(err.Error(), "checksum mismatch: files/org1/file1") {
		t.Errorf("Check of a changed file: %v", err)
	}
}

func TestCompareCounts(t *testing.T) {
	got := CompareCounts(map[string]int64{"cases": 3, "gone": 1, "same": 2}, map[string]int64{"cases": 2, "same": 2, "extra": 0})
	want := []string{"table cases has 2 rows, the backup 3", "table extra is not in the backup", "table gone is missing (the backup has 1 rows)"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestLibpqURL(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u@h:5432/db?pool_max_conns=5&sslmode=disable": "postgres://u@h:5432/db?sslmode=disable",
		"postgresql://u@h/db":                         "postgresql://u@h/db",
		"host=h dbname=db pool_max_conns=5":           "host=h dbname=db pool_max_conns=5",
		"postgres://u@h/db?pool_min_conns=1":          "postgres://u@h/db",
		"postgres://u:p%40ss@h/db?application_name=x": "postgres://u:p%40ss@h/db?application_name=x",
	} {
		if got := LibpqURL(in); got != want {
			t.Errorf("LibpqURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// A manifest from outside is read or refused, never trusted with a path
// that leaves the backup.
func FuzzReadManifest(f *testing.F) {
	f.Add([]byte(`{"format":1,"engine":"sqlite","files":[{"path":"accord.db","size":1,"sha256":"00"}]}`))
	f.Add([]byte(`{"format":1,"engine":"postgres","files":[{"path":"../accord.pgdump"}]}`))
	f.Add([]byte(`{"format":2}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, ManifestName), b, 0o600); err != nil {
			t.Fatal(err)
		}
		m, err := ReadManifest(dir)
		if err != nil {
			return
		}
		for _, file := range m.Files {
			if !filepath.IsLocal(filepath.FromSlash(file.Path)) || file.Path == ManifestName {
				t.Errorf("accepted path %q", file.Path)
			}
		}
	})
}

// An archive from outside writes only regular files inside the target.
func FuzzUnpack(f *testing.F) {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, h := range []*tar.Header{
		{Name: "manifest.json", Size: 2, Mode: 0o600, Typeflag: tar.TypeReg},
		{Name: "../escape", Size: 2, Mode: 0o600, Typeflag: tar.TypeReg},
		{Name: "link", Linkname: "/etc/passwd", Typeflag: tar.TypeSymlink},
	} {
		_ = tw.WriteHeader(h)
		if h.Size > 0 {
			_, _ = tw.Write([]byte("{}"))
		}
	}
	_ = tw.Close()
	f.Add(b.Bytes())
	f.Add([]byte("not a tar"))
	f.Fuzz(func(t *testing.T, data []byte) {
		root := t.TempDir()
		file := filepath.Join(root, "in.tar")
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(root, "out")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		_ = Unpack(file, dir)
		entries, err := os.ReadDir(root)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 {
			t.Errorf("Unpack wrote beside its target: %v", entries)
		}
		_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && !d.Type().IsRegular() {
				t.Errorf("Unpack made %s, not a regular file", p)
			}
			return nil
		})
	})
}
