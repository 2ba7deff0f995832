package accord

import "testing"

func TestCursorRoundTrip(t *testing.T) {
	c := Cursor{Key: "ana@example.com", ID: NewID("usr")}
	got, err := DecodeCursor(c.Encode())
	if err != nil || got != c {
		t.Fatalf("round trip = %+v, %v", got, err)
	}
	for _, bad := range []string{"zzz", "e30", "!!!", Cursor{Key: "k"}.Encode(), Cursor{Key: "a\x00b", ID: "usr_1"}.Encode(),
		Cursor{Key: "k", ID: "usr_\x01"}.Encode()} {
		if _, err := DecodeCursor(bad); KindOf(err) != Invalid {
			t.Errorf("DecodeCursor(%q) = %v, want invalid", bad, err)
		}
	}
}

// FuzzDecodeCursor: any string either decodes to a cursor that encodes back
// to an equivalent one, or is an Invalid error naming the cursor; never a
// panic.
func FuzzDecodeCursor(f *testing.F) {
	f.Add("")
	f.Add(Cursor{Key: "k", ID: "usr_1"}.Encode())
	f.Add("eyJrIjoxfQ")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := DecodeCursor(s)
		if err != nil {
			if e := Public(err); e.Kind != Invalid || e.Field != "cursor" {
				t.Fatalf("error %v is not an invalid cursor", err)
			}
			return
		}
		if s == "" {
			return
		}
		again, err := DecodeCursor(c.Encode())
		if err != nil || again != c {
			t.Fatalf("re-decode of %+v = %+v, %v", c, again, err)
		}
	})
}

func FuzzValidID(f *testing.F) {
	f.Add(string(NewID("usr")))
	f.Add("usr_")
	f.Fuzz(func(t *testing.T, s string) {
		if ValidID(s) && len(s) > 100 {
			t.Fatalf("overlong id %q accepted", s)
		}
	})
}
