package backup

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Archived reports whether a --to name asks for an archive (.tar, .tar.gz,
// .tgz) rather than a directory.
func Archived(name string) bool {
	return strings.HasSuffix(name, ".tar") || compressed(name)
}

func compressed(name string) bool {
	return strings.HasSuffix(name, ".tar.gz") || strings.HasSuffix(name, ".tgz")
}

// Pack writes the backup in dir, described by m, as the archive file,
// gzipped when its name ends in .tar.gz or .tgz. The manifest comes first,
// then the files in its order. The archive is written beside file and
// renamed into place, so that file is never half written.
func Pack(dir string, m Manifest, file string, progress io.Writer) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(file), ".accord-backup-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 1<<20)
	var w io.Writer = bw
	var gz *gzip.Writer
	if compressed(file) {
		gz = gzip.NewWriter(bw)
		w = gz
	}
	tw := tar.NewWriter(w)
	// progress counts m.Size(), the bytes of m's files: the manifest,
	// which is not one of them, goes unreported.
	if err := addFile(tw, dir, ManifestName, nil); err != nil {
		return err
	}
	for _, f := range m.Files {
		if err := addFile(tw, dir, f.Path, progress); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if gz != nil {
		if err := gz.Close(); err != nil {
			return err
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), file)
}

func addFile(tw *tar.Writer, dir, name string, progress io.Writer) error {
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o640, Size: st.Size(), ModTime: st.ModTime(), Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
		return err
	}
	var w io.Writer = tw
	if progress != nil {
		w = io.MultiWriter(tw, progress)
	}
	_, err = io.Copy(w, f)
	return err
}

// Unpack extracts the archive file into dir, which must exist. It takes
// only regular files with paths inside dir; the caller checks them against
// the manifest.
func Unpack(file, dir string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	var r io.Reader = br
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		defer gz.Close()
		r = gz
	}
	tr := tar.NewReader(r)
	for n := 0; ; n++ {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			if n == 0 {
				return fmt.Errorf("%s is empty or not a tar archive", file)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s is not a readable tar archive: %w", file, err)
		}
		if h.Typeflag == tar.TypeDir {
			continue
		}
		if h.Typeflag != tar.TypeReg || !localPath(h.Name) {
			return fmt.Errorf("%s: entry %q is not a file inside the backup", file, h.Name)
		}
		if err := writeFile(filepath.Join(dir, filepath.FromSlash(h.Name)), tr); err != nil {
			return fmt.Errorf("extract %s: %w", h.Name, err)
		}
	}
}
