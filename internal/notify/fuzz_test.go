package notify

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzReplyText: whatever a reply holds, the kept text is a trimmed part of
// it with no quoted line, and reading it again changes nothing.
func FuzzReplyText(f *testing.F) {
	for _, s := range []string{
		"Thanks, it works.\n\nOn Mon, 4 Mar 2024, Support wrote:\n> Try again",
		"Obrigado!\nEm seg., 4 de mar. de 2024 Suporte escreveu:\n> Tente",
		"Hecho.\r\nEl lun, 4 mar 2024, Soporte escribió:\r\n> Pruebe",
		"ok\n-----Original Message-----\nFrom: x",
		"ok\n________________________________\nFrom: x",
		"> only a quote", "answer\n-- \nsig", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := replyText(in)
		if out != strings.TrimSpace(out) {
			t.Fatalf("not trimmed: %q", out)
		}
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), ">") {
				t.Fatalf("a quoted line survived: %q in %q", l, out)
			}
		}
		if utf8.ValidString(in) && !utf8.ValidString(out) {
			t.Fatalf("valid UTF-8 in, invalid out: %q", out)
		}
		if again := replyText(out); again != out {
			t.Fatalf("not stable: %q then %q", out, again)
		}
	})
}

// FuzzReplyToken: a token is read only from the reply mailbox's own
// sub-addresses, and is always one token could have made.
func FuzzReplyToken(f *testing.F) {
	f.Add("support+" + token() + "@northwind.example")
	f.Add("<SUPPORT+ABCDEFGHIJKLMNOPQRSTUVWX@Northwind.Example>")
	f.Add("support+abc@northwind.example")
	f.Add("evil+" + token() + "@northwind.example.evil")
	f.Fuzz(func(t *testing.T, addr string) {
		tok, ok := replyToken(addr, "support", "northwind.example")
		if !ok {
			return
		}
		if len(tok) != 24 || strings.Trim(tok, "abcdefghijklmnopqrstuvwxyz234567") != "" {
			t.Fatalf("token %q from %q is not one token() makes", tok, addr)
		}
		if !strings.HasSuffix(strings.ToLower(strings.Trim(strings.TrimSpace(addr), "<>")), "@northwind.example") {
			t.Fatalf("token read from another domain: %q", addr)
		}
	})
}

// FuzzMessageIDs: ids never carry brackets or surrounding space.
func FuzzMessageIDs(f *testing.F) {
	f.Add("<a@b> <c@d>")
	f.Add("a@b c@d")
	f.Add("<<>>")
	f.Fuzz(func(t *testing.T, v string) {
		for _, id := range messageIDs(v) {
			if id == "" || strings.ContainsAny(id, "<>") || id != strings.TrimSpace(id) {
				t.Fatalf("id %q from %q", id, v)
			}
		}
	})
}

// FuzzNewSMTP: any server URL is refused with an error or read into a host
// and a port.
func FuzzNewSMTP(f *testing.F) {
	f.Add("smtp://user:pw@mail.example:587?tls=starttls")
	f.Add("smtp://mail?tls=none")
	f.Add("smtp://[::1]:99999")
	f.Fuzz(func(t *testing.T, raw string) {
		s, err := NewSMTP(raw)
		if err != nil {
			return
		}
		if s.host == "" || s.port <= 0 || s.port > 65535 {
			t.Fatalf("%q read as host %q port %d", raw, s.host, s.port)
		}
	})
}
