package web

import (
	"bytes"
	"fmt"
	"html/template"
	"time"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"accord/internal/accord"
)

// markdown renders what people wrote in a case or an engagement. goldmark
// leaves raw HTML out (it is not configured WithUnsafe), and bluemonday's
// user-content policy removes whatever else could run or restyle the page.
type markdown struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

func newMarkdown() *markdown {
	p := bluemonday.UGCPolicy()
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return &markdown{
		md:     goldmark.New(goldmark.WithExtensions(extension.Linkify, extension.Strikethrough, extension.Table, extension.TaskList)),
		policy: p,
	}
}

func (m *markdown) render(src string) template.HTML {
	var buf bytes.Buffer
	if err := m.md.Convert([]byte(src), &buf); err != nil {
		return template.HTML(template.HTMLEscapeString(src))
	}
	return template.HTML(m.policy.SanitizeBytes(buf.Bytes())) //nolint:gosec // sanitized just now
}

// clock formats instants and durations for one reader: in their zone, with
// the zone named, in their locale's layout.
type clock struct {
	zone *time.Location
	msgs catalogs
	loc  string
}

// when is an instant as the reader's clock shows it, zone included:
// "Nov 20, 2026, 3:00 PM EST" or "20/11/2026 17:00 -03".
func (c clock) when(t any) string {
	at, ok := instant(t)
	if !ok {
		return ""
	}
	return at.In(c.zone).Format(c.msgs.text(c.loc, "format.datetime"))
}

// date is the calendar day of an instant in the reader's zone.
func (c clock) date(t any) string {
	at, ok := instant(t)
	if !ok {
		return ""
	}
	return at.In(c.zone).Format(c.msgs.text(c.loc, "format.date"))
}

// inputValue is an instant as an <input type="datetime-local"> holds it,
// in the reader's zone; parseLocal reads it back.
func (c clock) inputValue(t any) string {
	at, ok := instant(t)
	if !ok {
		return ""
	}
	return at.In(c.zone).Format("2006-01-02T15:04")
}

// parseLocal reads a datetime-local value in the reader's zone. An instant
// outside the years accord.CheckInstant allows does not read either: 9999
// in a zone west of UTC is the year 10000.
func (c clock) parseLocal(v string) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01-02T15:04", v, c.zone)
	if err == nil {
		err = accord.CheckInstant("", t)
	}
	return t, err
}

// duration is a span for people: "2 h 05 min", "3 d 4 h", "45 min"; a
// negative span is written with a minus sign.
func (c clock) duration(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "−", -d
	}
	d = d.Round(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	u := func(k string) string { return c.msgs.text(c.loc, k) }
	switch {
	case days > 0:
		return fmt.Sprintf("%s%d %s %d %s", sign, days, u("unit.day"), hours, u("unit.hour"))
	case hours > 0:
		return fmt.Sprintf("%s%d %s %02d %s", sign, hours, u("unit.hour"), mins, u("unit.minute"))
	}
	return fmt.Sprintf("%s%d %s", sign, mins, u("unit.minute"))
}

// instant accepts a time.Time or a *time.Time, so that templates can pass
// optional instants without a guard; nil and the zero time are "not set".
func instant(t any) (time.Time, bool) {
	switch v := t.(type) {
	case time.Time:
		return v, !v.IsZero()
	case *time.Time:
		if v == nil || v.IsZero() {
			return time.Time{}, false
		}
		return *v, true
	}
	return time.Time{}, false
}
