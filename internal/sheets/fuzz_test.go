package sheets

import (
	"bytes"
	"testing"
)

func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{
		"customer,partner,plan,signed_on,years,licences\nAcme,,premium,2026-03-15,1,core=5;dr=1\n",
		"\uFEFFcustomer;plan;signed_on;years\nAcme;premium;45731;1\n",
		"customer,plan\n\"unterminated\n", "", "a,b,c\n", "customer,,\n'=x,,\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tables, err := Read(data, "contracts")
		if err != nil {
			return
		}
		for _, r := range tables[0].Rows {
			if r.Number < 2 {
				t.Fatalf("row number %d", r.Number)
			}
			_, _ = parseDate(r.Cells["signed_on"])
			_, _ = parseWhole(r.Cells["years"])
			_, _ = parseLicences(r.Cells["licences"])
			for _, v := range r.Cells {
				if unescape(Escape(v)) != v {
					t.Fatalf("escape does not round trip %q", v)
				}
			}
		}
	})
}

func FuzzReadXLSX(f *testing.F) {
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, All, [][][]string{
		{Organizations.Columns, {"customer", "Acme", ""}},
		{Contacts.Columns, {"Acme", "a@acme.example", "Ana", "", "", "", "", ""}},
		{Contracts.Columns, {"Acme", "", "premium", "2026-03-15", "1", "core=5"}},
	}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = Read(data, "all")
	})
}
