package siem

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"accord/internal/audit"
)

// SDID names Accord's structured-data element. 32473 is the private
// enterprise number IANA reserves for documentation (RFC 5612); an
// operator who owns a number may ask for it, but SIEM rules match on the
// name as sent.
const SDID = "accord@32473"

// Facility 13 is "log audit" (RFC 5424 table 1).
const facility = 13

// Severities: sign-in failures and throttles are warnings (4), the rest
// notices (5).
const (
	severityWarning = 4
	severityNotice  = 5
)

// severity is how urgent an action is for a SOC.
func severity(action string) int {
	switch action {
	case "session.fail", "session.throttle", "audit.verify.broken":
		return severityWarning
	}
	return severityNotice
}

// Message formats e as an RFC 5424 message from host: PRI facility 13,
// APP-NAME "accord", MSGID the action, one SD-ELEMENT SDID with the
// event's identity, and MSG the event as JSON.
func Message(host string, e audit.Event) []byte {
	var b strings.Builder
	b.WriteString("<" + strconv.Itoa(facility*8+severity(e.Action)) + ">1 ")
	b.WriteString(e.At.UTC().Format("2006-01-02T15:04:05.000000Z") + " ")
	b.WriteString(headerField(host, 255) + " accord - " + headerField(e.Action, 32) + " ")
	b.WriteString("[" + SDID)
	for _, p := range params(e) {
		b.WriteString(" " + p[0] + `="` + EscapeParam(p[1]) + `"`)
	}
	b.WriteString("] ")
	body, _ := json.Marshal(e)
	b.Write(body)
	return []byte(b.String())
}

// params are the SD-PARAMs of e, in a fixed order.
func params(e audit.Event) [][2]string {
	return [][2]string{
		{"org", string(e.OrgID)}, {"seq", strconv.FormatInt(e.Seq, 10)}, {"id", string(e.ID)},
		{"action", e.Action}, {"actor", string(e.ActorID)}, {"actorName", e.ActorName},
		{"actorOrg", string(e.ActorOrgID)}, {"entityType", e.EntityType}, {"entity", string(e.EntityID)},
		{"requestId", e.RequestID}, {"hash", e.Hash},
	}
}

// headerField makes s a header field: printable US-ASCII without spaces,
// at most max characters, or the NILVALUE "-" when nothing is left.
func headerField(s string, max int) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() == max {
			break
		}
		if r > 32 && r < 127 {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "-"
	}
	return b.String()
}

// EscapeParam escapes a PARAM-VALUE: '"', '\' and ']' take a backslash
// (RFC 5424 section 6.3.3); invalid UTF-8 becomes U+FFFD, since the value
// must be UTF-8.
func EscapeParam(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, `]`, `\]`).Replace(s)
}

// Frame prefixes msg with its length for octet-counted transport
// (RFC 5425 section 4.3 and RFC 6587 section 3.4.1): "LEN SP MSG".
func Frame(msg []byte) []byte {
	return append([]byte(strconv.Itoa(len(msg))+" "), msg...)
}

// Parsed is an RFC 5424 message read back: its header fields, its
// structured-data elements by SD-ID, and MSG.
type Parsed struct {
	Priority  int
	Timestamp time.Time
	Host      string
	App       string
	ProcID    string
	MsgID     string
	SD        map[string]map[string]string
	Msg       string
}

var errSyntax = errors.New("not an RFC 5424 message")

// Parse reads an RFC 5424 message, for tests and tools that check what a
// receiver got. It accepts what Message writes and the grammar around it.
func Parse(m string) (Parsed, error) {
	var p Parsed
	if !strings.HasPrefix(m, "<") {
		return p, errSyntax
	}
	end := strings.Index(m, ">")
	if end < 2 || end > 4 {
		return p, errSyntax
	}
	pri, err := strconv.Atoi(m[1:end])
	if err != nil || pri < 0 || pri > 191 || (m[1] == '0' && end > 2) {
		return p, errSyntax
	}
	p.Priority = pri
	rest := m[end+1:]
	fields := make([]string, 6)
	for i := range fields {
		sp := strings.IndexByte(rest, ' ')
		if sp <= 0 {
			return p, errSyntax
		}
		fields[i], rest = rest[:sp], rest[sp+1:]
	}
	if fields[0] != "1" {
		return p, errSyntax
	}
	if fields[1] != "-" {
		if p.Timestamp, err = time.Parse(time.RFC3339Nano, fields[1]); err != nil {
			return p, errSyntax
		}
	}
	p.Host, p.App, p.ProcID, p.MsgID = fields[2], fields[3], fields[4], fields[5]
	p.SD = map[string]map[string]string{}
	if strings.HasPrefix(rest, "-") {
		rest = rest[1:]
	} else {
		for strings.HasPrefix(rest, "[") {
			id, params, after, err := parseElement(rest[1:])
			if err != nil {
				return p, err
			}
			if _, dup := p.SD[id]; dup {
				return p, errSyntax
			}
			p.SD[id], rest = params, after
		}
		if len(p.SD) == 0 {
			return p, errSyntax
		}
	}
	if rest != "" {
		if rest[0] != ' ' {
			return p, errSyntax
		}
		p.Msg = strings.TrimPrefix(rest[1:], "\uFEFF")
	}
	return p, nil
}

// parseElement reads `SD-ID *(SP PARAM-NAME="VALUE")]` and what follows.
func parseElement(s string) (string, map[string]string, string, error) {
	id, s, ok := sdName(s)
	if !ok {
		return "", nil, "", errSyntax
	}
	params := map[string]string{}
	for {
		if strings.HasPrefix(s, "]") {
			return id, params, s[1:], nil
		}
		if !strings.HasPrefix(s, " ") {
			return "", nil, "", errSyntax
		}
		var name string
		if name, s, ok = sdName(s[1:]); !ok || !strings.HasPrefix(s, `="`) {
			return "", nil, "", errSyntax
		}
		s = s[2:]
		var v strings.Builder
		for {
			if s == "" {
				return "", nil, "", errSyntax
			}
			c := s[0]
			if c == '"' {
				s = s[1:]
				break
			}
			if c == '\\' && len(s) > 1 && (s[1] == '"' || s[1] == '\\' || s[1] == ']') {
				v.WriteByte(s[1])
				s = s[2:]
				continue
			}
			if c == ']' {
				return "", nil, "", errSyntax // must be escaped
			}
			v.WriteByte(c)
			s = s[1:]
		}
		if !utf8.ValidString(v.String()) {
			return "", nil, "", errSyntax
		}
		params[name] = v.String()
	}
}

// sdName reads an SD-NAME: 1 to 32 printable US-ASCII characters but
// '=', ' ', ']' and '"'.
func sdName(s string) (string, string, bool) {
	i := 0
	for i < len(s) && i < 33 && s[i] > 32 && s[i] < 127 && s[i] != '=' && s[i] != ']' && s[i] != '"' {
		i++
	}
	if i == 0 || i > 32 {
		return "", s, false
	}
	return s[:i], s[i:], true
}
