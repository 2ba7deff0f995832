package yamldoc

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// level is a Scalar with a message of its own for a mapping or list.
type level string

func (level) CheckScalar(text string) error {
	if text != "low" && text != "high" {
		return fmt.Errorf("must be low or high, not %q", text)
	}
	return nil
}

func (level) NotScalar() string { return "must be a level, low or high" }

// code is a Scalar without NotScalar.
type code string

func (code) CheckScalar(text string) error {
	if len(text) != 3 {
		return fmt.Errorf("must be three letters, not %q", text)
	}
	return nil
}

// amount is a Scalar read through UnmarshalText, whose error would stop
// yaml.v3 decoding the rest of the document.
type amount int

func (amount) CheckScalar(text string) error {
	if _, err := strconv.Atoi(text); err != nil {
		return fmt.Errorf("must be a whole amount, not %q", text)
	}
	return nil
}

func (a *amount) UnmarshalText(b []byte) error {
	n, err := strconv.Atoi(string(b))
	*a = amount(n)
	return err
}

func (a amount) MarshalText() ([]byte, error) { return []byte(strconv.Itoa(int(a))), nil }

type item struct {
	Name  string   `yaml:"name"`
	Level level    `yaml:"level,omitempty"`
	Tags  []string `yaml:"tags,omitempty"`
}

type limits struct {
	Max    int     `yaml:"max"`
	Size   uint8   `yaml:"size"`
	Ratio  float64 `yaml:"ratio"`
	Strict bool    `yaml:"strict"`
}

type common struct {
	Owner string `yaml:"owner"`
}

type testDoc struct {
	common `yaml:",inline"`
	Title  string          `yaml:"title"`
	Code   *code           `yaml:"code"`
	Price  amount          `yaml:"price"`
	Items  map[string]item `yaml:"items"`
	List   []item          `yaml:"list"`
	Limits limits          `yaml:"limits"`
	Extra  any             `yaml:"extra"`
	Note   string          // read as "note"
	Hidden string          `yaml:"-"`
}

// validate checks rules in a fixed order that is not the document's.
func (d *testDoc) validate() Problems {
	var ps Problems
	add := func(path, msg string) { ps = append(ps, Problem{Path: path, Msg: msg}) }
	if d.Title == "" {
		add("title", "is required")
	}
	for _, k := range slices.Sorted(maps.Keys(d.Items)) {
		if d.Items[k].Level == "" {
			add("items."+k+".level", "is required")
		}
	}
	for i, it := range d.List {
		if it.Name == "" {
			add(fmt.Sprintf("list[%d].name", i), "is required")
		}
	}
	if d.Limits.Max < 0 {
		add("limits.max", "must not be negative")
	}
	return ps
}

func decode(doc string) (*testDoc, error) {
	var d testDoc
	return &d, Decode([]byte(doc), 1<<10, &d, d.validate)
}

// problems writes each problem as "line:col: path: message".
func problems(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var ps Problems
	if !errors.As(err, &ps) || len(ps) == 0 {
		t.Fatalf("error %#v is not a list of problems", err)
	}
	var out []string
	for _, p := range ps {
		out = append(out, fmt.Sprintf("%d:%d: %s", p.Line, p.Column, p))
	}
	return out
}

const onlyTabs = " (only tab, line feed and carriage return are allowed)"

func TestDecode(t *testing.T) {
	const good = "title: T\nitems:\n  a: {level: low}\n"
	for _, tc := range []struct {
		name string
		doc  string
		want []string
	}{
		{"valid", good + "owner: me\nnote: n\ncode: abc\nlist: [{name: x, level: high, tags: [p, q]}]\nlimits: {max: 3, size: 255, ratio: 0.5, strict: true}\nextra: {any: [thing]}\n", nil},
		{"unknown field lists the known ones", good + "titel: x\nhidden: h\n", []string{
			"4:1: titel: unknown field (known: code, extra, items, limits, list, note, owner, price, title)",
			"5:1: hidden: unknown field (known: code, extra, items, limits, list, note, owner, price, title)",
		}},
		{"unknown field in a nested struct", good + "list:\n  - name: x\n    levle: low\n", []string{
			"6:5: list[0].levle: unknown field (known: level, name, tags)",
		}},
		{"wrong shapes", "title: [a]\nitems: x\nlist: {a: 1}\nlimits: [1]\n", []string{
			"1:8: title: must be a single value, not a list",
			"2:8: items: must be a mapping",
			"3:7: list: must be a list",
			"4:9: limits: must be a mapping of fields",
		}},
		{"wrong scalars", good + "limits:\n  max: 1.5\n  size: 256\n  ratio: x\n  strict: yes\n", []string{
			`5:8: limits.max: must be a whole number, not "1.5"`,
			`6:9: limits.size: must be a whole number, zero or more, not "256"`,
			`7:10: limits.ratio: must be a number, not "x"`,
			`8:11: limits.strict: must be true or false, not "yes"`,
		}},
		{"a Scalar's own syntax", "title: T\ncode: abcd\nitems:\n  a: {level: medium}\n  b: {level: [low]}\n", []string{
			`2:7: code: must be three letters, not "abcd"`,
			`4:14: items.a.level: must be low or high, not "medium"`,
			"5:14: items.b.level: must be a level, low or high",
		}},
		{"a value of the wrong shape does not stop the rest being read", "price: x\nitems:\n  a: {name: A}\nlist: [{name: B, level: [high]}, {}]\ntitle: T\n", []string{
			`1:8: price: must be a whole amount, not "x"`,
			"3:6: items.a.level: is required",
			"4:25: list[0].level: must be a level, low or high",
			"4:34: list[1].name: is required",
		}},
		{"a Scalar without NotScalar", "title: T\ncode: {a: b}\n", []string{
			"2:7: code: must be a single value, not a mapping",
		}},
		{"duplicate keys", "title: T\nitems:\n  a: {level: low}\n  a: {level: high}\ntitle: U\n", []string{
			"4:3: items.a: appears twice",
			"5:1: title: appears twice",
		}},
		{"duplicate keys in a value of any shape", "title: T\nextra: {a: 1, b: [{c: 1, c: 2}]}\n", []string{
			"2:26: extra.b[0].c: appears twice",
		}},
		{"keys that are not plain names", "title: T\n[x]: 1\nitems:\n  [a]: {level: low}\n", []string{
			"2:1: keys must be plain names",
			"4:3: items: keys must be plain names",
		}},
		{"aliases refused, rules not checked", "items: &i {}\nlist: *i\nextra: {a: &x 1, b: *x}\n", []string{
			"1:8: items: anchors and aliases are not supported; write the value out",
			"2:7: list: anchors and aliases are not supported; write the value out",
			"3:12: extra.a: anchors and aliases are not supported; write the value out",
			"3:21: extra.b: anchors and aliases are not supported; write the value out",
		}},
		{"a rule problem is located at its nearest node", "title: T\nitems:\n  a: {name: A}\n  b:\n    name: B\n", []string{
			"3:6: items.a.level: is required",
			"5:5: items.b.level: is required",
		}},
		{"a missing field is located at the document's start", "items:\n  a: {level: low}\n", []string{
			"1:1: title: is required",
		}},
		{"a rule problem under a shape problem is dropped", "title: T\nlist:\n  - name: [x]\n", []string{
			"3:11: list[0].name: must be a single value, not a list",
		}},
		{"problems in document order, shape and rule together", "list:\n  - level: low\nitems:\n  z: {level: high, tags: x}\n  a: {name: A}\ntitle: \"\"\n", []string{
			"2:5: list[0].name: is required",
			"4:26: items.z.tags: must be a list",
			"5:6: items.a.level: is required",
			"6:8: title: is required",
		}},
		{"syntax error", "title: [\n", []string{"1:0: did not find expected node content"}},
		{"type error past the walker", "title: T\nextra: !!binary AA==x\n", []string{"0:0: !!binary value contains invalid base64 data"}},
		{"empty", "", []string{"0:0: the document is empty"}},
		{"only a comment", "# nothing\n", []string{"0:0: the document is empty"}},
		{"a second document", good + "---\ntitle: U\n", []string{"4:1: only one document is allowed; remove the second ---"}},
		{"not a mapping", "- a\n", []string{"1:1: must be a mapping of fields"}},
		{"too large", "title: " + strings.Repeat("x", 1<<10) + "\n", []string{"0:0: the document is larger than 1 KiB"}},
		// Text PostgreSQL could not store, or that no one types on
		// purpose, is refused where it is, whether written or escaped.
		{"a control character", "title: T\nnote: a\x01b\n", []string{"2:8: must not contain the control character U+0001" + onlyTabs}},
		{"a NUL in a comment", "title: T # \x00\n", []string{"1:12: must not contain the control character U+0000" + onlyTabs}},
		{"not UTF-8", "title: T\xff\n", []string{"1:9: must be UTF-8 text"}},
		{"escaped control characters", "title: \"a\\0b\"\nnote: \"\\x7f\"\nextra: {k: \"\\u0001\"}\n\"k\\x1b\": 1\n", []string{
			"1:8: title: must not contain the control character U+0000" + onlyTabs,
			"2:7: note: must not contain the control character U+007F" + onlyTabs,
			"3:12: extra.k: must not contain the control character U+0001" + onlyTabs,
			"4:1: a key must not contain the control character U+001B" + onlyTabs,
		}},
		{"tabs and line breaks are text", "title: \"a\\tb\\r\\n\"\nnote: \"\t\"\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decode(tc.doc)
			got := problems(t, err)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestDecodeValues(t *testing.T) {
	d, err := decode("owner: me\ntitle: T\nnote: n\ncode: abc\nprice: 12\nitems:\n  a: {level: low, tags: [x]}\nlimits: {max: 3}\n")
	if err != nil {
		t.Fatal(err)
	}
	if d.Owner != "me" || d.Title != "T" || d.Note != "n" || d.Code == nil || *d.Code != "abc" || d.Price != 12 ||
		d.Items["a"].Level != "low" || fmt.Sprint(d.Items["a"].Tags) != "[x]" || d.Limits.Max != 3 {
		t.Fatalf("decoded %+v", d)
	}
	// A nil validate checks the shape only.
	var e testDoc
	if err := Decode([]byte("items: {}\n"), 0, &e, nil); err != nil {
		t.Fatalf("without validate: %v", err)
	}
}

func TestProblemsError(t *testing.T) {
	one := Problems{{Path: "a.b", Line: 2, Column: 3, Msg: "is required"}}
	if got := one.Error(); got != "a.b: is required" {
		t.Errorf("one problem: %q", got)
	}
	two := append(one, Problem{Msg: "the document is empty"})
	if got := two.Error(); got != "2 problems: a.b: is required; the document is empty" {
		t.Errorf("two problems: %q", got)
	}
	b, _ := json.Marshal(two)
	if got := string(b); got != `[{"path":"a.b","line":2,"column":3,"message":"is required"},{"path":"","message":"the document is empty"}]` {
		t.Errorf("JSON %s", got)
	}
}

func TestDecodeNeedsAPointerToAStruct(t *testing.T) {
	for _, v := range []any{testDoc{}, (*testDoc)(nil), new(int), nil} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Decode into %T did not panic", v)
				}
			}()
			_ = Decode([]byte("a: 1"), 0, v, nil)
		}()
	}
}

// TestLocated: a problem's message says where it is, as far as it is
// known: a YAML syntax error knows its line only, and a rule of the
// document as a whole no position at all.
func TestLocated(t *testing.T) {
	for _, tc := range []struct {
		p    Problem
		want string
	}{
		{Problem{Path: "plans.premium.name", Line: 197, Column: 7, Msg: "has no es-ES text"}, "line 197, column 7: has no es-ES text"},
		{Problem{Line: 2, Msg: "mapping values are not allowed in this context"}, "line 2: mapping values are not allowed in this context"},
		{Problem{Path: "calendars", Msg: "at least one calendar is required"}, "at least one calendar is required"},
	} {
		if got := tc.p.Located(); got != tc.want {
			t.Errorf("%+v located = %q, want %q", tc.p, got, tc.want)
		}
	}
}
