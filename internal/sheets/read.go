package sheets

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"accord/internal/accord"
)

// Unzipped size limits for XLSX uploads: an XLSX file is a zip archive, and
// a small one can expand to gigabytes.
const (
	unzipLimit    = 128 << 20
	unzipXMLLimit = 32 << 20
)

// maxRows bounds one sheet; a bigger import is split into several files.
const maxRows = 200_000

// Read reads the sheets of kind (see SheetsFor) from data, an XLSX workbook
// or a CSV file. A CSV file holds one kind; a workbook holds each kind as a
// sheet of that name, or a single kind as its only sheet. Problems of the
// file's layout (unknown or missing columns) come back as Problems.
func Read(data []byte, kind string) ([]Table, error) {
	want, err := SheetsFor(kind)
	if err != nil {
		return nil, err
	}
	if IsXLSX(data) {
		return readXLSX(data, want)
	}
	if len(want) != 1 {
		return nil, errors.New("a CSV file holds one kind of record; import all needs an XLSX workbook with organizations, contacts and contracts sheets")
	}
	t, err := readCSV(data, want[0])
	if err != nil {
		return nil, err
	}
	return []Table{t}, nil
}

// ReadOne reads the one sheet sh from data, a CSV file or an XLSX workbook
// (a sheet of sh's name, or its only sheet), with the same checks as Read.
func ReadOne(data []byte, sh Sheet) (Table, error) {
	if IsXLSX(data) {
		ts, err := readXLSX(data, []Sheet{sh})
		if err != nil {
			return Table{}, err
		}
		return ts[0], nil
	}
	return readCSV(data, sh)
}

// IsXLSX reports whether data is a zip archive, as XLSX workbooks are.
func IsXLSX(data []byte) bool { return bytes.HasPrefix(data, []byte("PK\x03\x04")) }

func readCSV(data []byte, sh Sheet) (Table, error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF")) // Excel writes a BOM into "CSV UTF-8"
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.Comma = sniffComma(data)
	var records [][]string
	var lines []int // the line each record starts on: encoding/csv skips blank lines
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return Table{}, Problems{{Sheet: sh.Name, Row: pe.StartLine, Message: pe.Err.Error()}}
			}
			return Table{}, err
		}
		line, _ := r.FieldPos(0)
		records = append(records, rec)
		lines = append(lines, line)
	}
	return table(sh, records, lines)
}

// sniffComma picks the separator of the header line: Excel in many locales
// writes ';' where the decimal separator is a comma.
func sniffComma(data []byte) rune {
	line, _ := bufio.NewReader(bytes.NewReader(data)).ReadString('\n')
	if strings.Count(line, ";") > strings.Count(line, ",") {
		return ';'
	}
	return ','
}

func readXLSX(data []byte, want []Sheet) ([]Table, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: unzipLimit, UnzipXMLSizeLimit: unzipXMLLimit})
	if err != nil {
		return nil, fmt.Errorf("not a readable XLSX workbook: %w", err)
	}
	defer f.Close()
	names := f.GetSheetList()
	var tables []Table
	for _, sh := range want {
		name := ""
		for _, n := range names {
			if strings.EqualFold(strings.TrimSpace(n), sh.Name) {
				name = n
			}
		}
		if name == "" && len(want) == 1 && len(names) == 1 {
			name = names[0]
		}
		if name == "" {
			continue
		}
		// Raw values: a date cell reads as its serial number, not in the
		// display format of whoever saved the file.
		rows, err := f.GetRows(name, excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, fmt.Errorf("sheet %s: %w", name, err)
		}
		t, err := table(sh, rows, nil)
		if err != nil {
			return nil, err
		}
		tables = append(tables, t)
	}
	if len(tables) == 0 {
		names := make([]string, len(want))
		for i, s := range want {
			names[i] = s.Name
		}
		return nil, Problems{{Sheet: strings.Join(names, ", "), Message: "the workbook has no sheet of this name"}}
	}
	return tables, nil
}

// table maps records (the header first) to rows by column name. lines
// holds the row number of each record; nil means one after another from 1.
func table(sh Sheet, records [][]string, lines []int) (Table, error) {
	t := Table{Sheet: sh}
	if len(records) > maxRows+1 {
		return t, Problems{{Sheet: sh.Name, Message: fmt.Sprintf("more than %d rows; split the file", maxRows)}}
	}
	if len(records) == 0 {
		return t, Problems{{Sheet: sh.Name, Row: 1, Message: "the header row is missing; want columns " + strings.Join(sh.Columns, ", ")}}
	}
	var ps Problems
	cols := make([]string, len(records[0]))
	for i, h := range records[0] {
		h = strings.ToLower(strings.TrimSpace(h))
		switch {
		case accord.TextProblem(h) != "":
			ps = append(ps, Problem{Sheet: sh.Name, Row: 1, Column: strconv.Quote(h), Message: "the column's name " + accord.TextProblem(h)})
		case h == "" && i == len(records[0])-1:
			// a trailing separator leaves an empty header: harmless
		case !slices.Contains(sh.Columns, h):
			ps = append(ps, Problem{Sheet: sh.Name, Row: 1, Column: h, Message: "unknown column; want " + strings.Join(sh.Columns, ", ")})
		case slices.Contains(cols, h):
			ps = append(ps, Problem{Sheet: sh.Name, Row: 1, Column: h, Message: "the column appears twice"})
		}
		cols[i] = h
	}
	for _, c := range sh.Required {
		if !slices.Contains(cols, c) {
			ps = append(ps, Problem{Sheet: sh.Name, Row: 1, Column: c, Message: "required column missing"})
		}
	}
	if ps != nil {
		return t, ps
	}
	for n, rec := range records[1:] {
		row := Row{Number: n + 2, Cells: map[string]string{}}
		if lines != nil {
			row.Number = lines[n+1]
		}
		blank := true
		for i, v := range rec {
			if i < len(cols) && cols[i] != "" {
				v = unescape(strings.TrimSpace(v))
				row.Cells[cols[i]] = v
				blank = blank && v == ""
				// PostgreSQL cannot store NUL, and no control character
				// belongs in a record: refused here, the same on both
				// engines, at the cell that holds it.
				if p := accord.TextProblem(v); p != "" {
					ps = append(ps, Problem{Sheet: sh.Name, Row: row.Number, Column: cols[i], Message: p})
				}
			}
		}
		if !blank {
			t.Rows = append(t.Rows, row)
		}
	}
	if ps != nil {
		return t, ps
	}
	return t, nil
}
