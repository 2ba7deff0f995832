package notify

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jhillyerd/enmime/v2"

	"accord/internal/accord"
	"accord/internal/cases"
)

// MaxInboundBytes bounds a received message: a larger one is refused
// before it is parsed.
const MaxInboundBytes = 10 << 20

// Duplicate is what Receive reports for a Message-Id it has seen before.
// It is never stored: the earlier outcome stays on record.
const Duplicate InboundStatus = "duplicate"

// Delivery says how a message came in.
type Delivery struct {
	Source string // "imap" or "smtp"
	// Recipients are the SMTP envelope recipients (RCPT TO), when the
	// message came by SMTP; the reply token is looked for in them as well
	// as in the To, Cc, Delivered-To and X-Original-To headers.
	Recipients []string
}

// logger is Config.Log, or a logger that discards.
func (s *Service) logger() *slog.Logger {
	if s.cfg.Log != nil {
		return s.cfg.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Receive reads one received message and adds it to its case as a reply
// when it proves to be an answer to a notification by the person it was
// sent to. Every check must pass:
//
//   - the message is at most MaxInboundBytes and has a Message-Id, under
//     which it is recorded once: a Message-Id seen before is a Duplicate,
//     and nothing is done again;
//   - exactly one recipient is the reply address with a token of a
//     notification we sent (support+<token>@domain);
//   - it is not an automatic message (Auto-Submitted other than "no",
//     Precedence bulk, junk or list, X-Autoreply, a delivery report), so
//     that out-of-office answers do not loop;
//   - it has one From address, the current e-mail address of the active
//     user the notification was sent to, and no Sender other than it;
//   - no Authentication-Results header reports dmarc=fail or spf=fail for
//     the From domain. Such headers are only as trustworthy as the MTA
//     that adds them (it must remove any the sender wrote), so this is
//     defence in depth: a failure refuses, a pass proves nothing;
//   - its In-Reply-To or References name a message we sent to that same
//     user about that same case;
//   - its text, without the quoted message and the signature, is not
//     empty, and the case takes it as a reply from that user (a closed
//     case does not).
//
// The sender address alone proves nothing: a reply is taken only with the
// token, which only the notification's recipient has seen, and only from
// that recipient. Attachments of the mail are left out.
//
// A refused message is Rejected with a Reason, logged and, when it has a
// Message-Id, recorded; the error is nil. An error is returned only for
// failures worth trying again (the database is down): the claim on the
// Message-Id is then released, and the source should keep the message.
func (s *Service) Receive(ctx context.Context, now time.Time, d Delivery, raw []byte) (got Inbound, err error) {
	defer func() {
		if err == nil && s.inbound != nil {
			s.inbound(ctx, got)
		}
	}()
	in := Inbound{ID: accord.NewID("inb"), Source: d.Source, Status: Rejected, ReceivedAt: now.UTC()}
	log := s.logger().With("source", d.Source)
	refuse := func(reason string) (Inbound, error) {
		in.Reason = reason
		log.Warn("inbound mail rejected", "message_id", in.MessageID, "from", in.From, "subject", in.Subject, "reason", reason)
		return in, nil
	}
	if len(raw) > MaxInboundBytes {
		return refuse(fmt.Sprintf("the message is larger than %d MiB", MaxInboundBytes>>20))
	}
	env, err := enmime.ReadEnvelope(bytes.NewReader(raw))
	if err != nil {
		return refuse("the message cannot be read: " + clip(err.Error(), 200))
	}
	in.MessageID = messageID(env.GetHeader("Message-Id"))
	in.From = clip(plain(strings.TrimSpace(env.GetHeader("From"))), 300)
	if from, err := singleAddress(env, "From"); err == nil && accord.TextProblem(from) == "" {
		in.From = from // recorded as the bare address when it is one
	}
	in.Subject = clip(plain(strings.TrimSpace(env.GetHeader("Subject"))), 300)
	switch {
	case in.MessageID == "":
		return refuse("the message has no Message-Id")
	case len(in.MessageID) > 250 || strings.ContainsAny(in.MessageID, " \t<>") || accord.TextProblem(in.MessageID) != "":
		in.MessageID = ""
		return refuse("the message has a malformed Message-Id")
	}
	in.Status = Processing
	claimed, err := s.store.ClaimInbound(ctx, in)
	if err != nil {
		return Inbound{}, fmt.Errorf("notify: claim inbound %s: %w", in.MessageID, err)
	}
	if !claimed {
		in.Status, in.Reason = Duplicate, "this Message-Id was received before"
		log.Info("inbound mail already received", "message_id", in.MessageID, "from", in.From)
		return in, nil
	}
	out, err := s.decide(ctx, now, d, env, in)
	if err != nil {
		s.release(ctx, log, in.MessageID)
		return Inbound{}, err
	}
	if err := s.store.FinishInbound(ctx, out); err != nil {
		if out.Status == Accepted {
			// The reply is on its case: releasing the claim would let the
			// source deliver it again and add it twice. The record stays
			// "processing"; the reply itself is what matters.
			log.Error("inbound mail accepted but not recorded", "message_id", out.MessageID, "case", out.CaseID, "entry", out.EntryID, "err", err)
			return out, nil
		}
		s.release(ctx, log, in.MessageID)
		return Inbound{}, fmt.Errorf("notify: record inbound %s: %w", in.MessageID, err)
	}
	if out.Status == Accepted {
		log.Info("inbound mail added to its case", "message_id", out.MessageID, "from", out.From, "case", out.CaseID, "entry", out.EntryID, "user", out.UserID)
	} else {
		log.Warn("inbound mail rejected", "message_id", out.MessageID, "from", out.From, "subject", out.Subject, "case", out.CaseID, "reason", out.Reason)
	}
	return out, nil
}

// release forgets a claim, even when ctx has ended, so that the message
// can be tried again.
func (s *Service) release(ctx context.Context, log *slog.Logger, messageID string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := s.store.ReleaseInbound(ctx, messageID); err != nil {
		log.Error("inbound mail: releasing the claim failed", "message_id", messageID, "err", err)
	}
}

// decide runs the checks on a claimed message and, when they pass, adds
// the reply. It returns in as Accepted or Rejected, or an error worth
// trying again.
func (s *Service) decide(ctx context.Context, now time.Time, d Delivery, env *enmime.Envelope, in Inbound) (Inbound, error) {
	reject := func(format string, args ...any) (Inbound, error) {
		in.Status, in.Reason = Rejected, fmt.Sprintf(format, args...)
		return in, nil
	}
	local, domain, ok := s.replyParts()
	if !ok {
		return reject("replies are not read: no reply address is configured")
	}
	tokens := replyTokens(env, d.Recipients, local, domain)
	switch {
	case len(tokens) == 0:
		return reject("no recipient is a reply address (%s+<token>@%s)", local, domain)
	case len(tokens) > 1:
		return reject("the message is addressed to %d reply addresses; it must answer one notification", len(tokens))
	}
	m, err := s.store.ByToken(ctx, tokens[0])
	if accord.IsKind(err, accord.NotFound) {
		return reject("the reply token is unknown")
	}
	if err != nil {
		return in, fmt.Errorf("notify: reply token: %w", err)
	}
	if m.Letter() {
		return reject("the reply token belongs to a letter, which takes no replies")
	}
	in.OrgID, in.CaseID = m.OrgID, m.CaseID
	if why := automatic(env); why != "" {
		return reject("%s", why)
	}
	from, err := singleAddress(env, "From")
	if err != nil {
		return reject("From: %v", err)
	}
	if strings.TrimSpace(env.GetHeader("Sender")) != "" {
		sender, err := singleAddress(env, "Sender")
		if err != nil {
			return reject("Sender: %v", err)
		}
		if !strings.EqualFold(sender, from) {
			return reject("the message was sent by %s on behalf of %s", sender, from)
		}
	}
	if why := failedAuthentication(env.GetHeaderValues("Authentication-Results"), from[strings.LastIndexByte(from, '@')+1:]); why != "" {
		return reject("%s", why)
	}
	u, err := s.dir.GetUser(system(ctx), now, m.UserID)
	if accord.IsKind(err, accord.NotFound) {
		return reject("the notification's recipient is no longer a user")
	}
	if err != nil {
		return in, fmt.Errorf("notify: recipient of %s: %w", m.ID, err)
	}
	if !strings.EqualFold(from, u.Email) {
		return reject("the sender %s is not the person the notification was sent to", from)
	}
	threaded, err := s.threaded(ctx, m, env)
	if err != nil {
		return in, err
	}
	if !threaded {
		return reject("neither In-Reply-To nor References names a notification sent to %s about this case", from)
	}
	in.UserID = u.ID
	if !u.Active {
		return reject("the user %s is deactivated", from)
	}
	body := replyText(plain(env.Text))
	if body == "" {
		return reject("the message has no text above the quoted notification")
	}
	if _, err := s.cases.Reply(accord.WithActor(ctx, u.Actor()), now, m.CaseID, cases.NewReply{Body: body}); err != nil {
		switch accord.KindOf(err) {
		case accord.Invalid, accord.NotFound, accord.Conflict, accord.Forbidden, accord.Unprocessable:
			e := accord.Public(err)
			if e.Field != "" {
				return reject("the case refused the reply: %s: %s", e.Field, e.Msg)
			}
			return reject("the case refused the reply: %s", e.Msg)
		}
		return in, fmt.Errorf("notify: reply to case %s: %w", m.CaseID, err)
	}
	in.Status, in.Reason = Accepted, ""
	in.EntryID = s.replyEntry(ctx, now, m.CaseID, u.ID, body)
	return in, nil
}

// replyParts splits the configured reply address; ok is false without one.
func (s *Service) replyParts() (local, domain string, ok bool) {
	if s.cfg.ReplyTo == "" {
		return "", "", false
	}
	addr := s.cfg.ReplyTo
	if a, err := mail.ParseAddress(addr); err == nil {
		addr = a.Address
	}
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 {
		return "", "", false
	}
	return strings.ToLower(addr[:at]), strings.ToLower(addr[at+1:]), true
}

// threaded reports whether env's In-Reply-To or References name mail we
// sent about m's case to m's recipient.
func (s *Service) threaded(ctx context.Context, m Message, env *enmime.Envelope) (bool, error) {
	var refs []string
	for _, h := range []string{"In-Reply-To", "References"} {
		for _, v := range env.GetHeaderValues(h) {
			refs = append(refs, messageIDs(v)...)
		}
	}
	if len(refs) == 0 {
		return false, nil
	}
	ours, err := s.store.Thread(ctx, m.CaseID, m.UserID, 1000)
	if err != nil {
		return false, fmt.Errorf("notify: thread of case %s: %w", m.CaseID, err)
	}
	ours = append(ours, m.MessageID)
	for _, r := range refs {
		if slices.ContainsFunc(ours, func(id string) bool { return strings.EqualFold(id, r) }) {
			return true, nil
		}
	}
	return false, nil
}

// replyEntry finds the entry Reply just wrote: the newest reply by userID
// at now with body. Reply returns the case, not the entry; when the entry
// cannot be read the record simply goes without it.
func (s *Service) replyEntry(ctx context.Context, now time.Time, caseID, userID accord.ID, body string) accord.ID {
	timeline, err := s.cases.Timeline(system(ctx), now, caseID)
	if err != nil {
		s.logger().Error("inbound mail: reading the reply's entry", "case", caseID, "err", err)
		return ""
	}
	at := now.UTC().Truncate(time.Microsecond)
	var newest accord.ID
	for i := len(timeline) - 1; i >= 0; i-- {
		e := timeline[i]
		if e.Kind != cases.Reply || e.AuthorID != userID {
			continue
		}
		if e.At.Equal(at) && e.Body == body {
			return e.ID
		}
		if newest == "" {
			newest = e.ID
		}
	}
	return newest
}

// replyTokens lists the distinct tokens of the reply addresses among the
// message's recipients.
func replyTokens(env *enmime.Envelope, envelope []string, local, domain string) []string {
	var addrs []string
	for _, h := range []string{"To", "Cc", "Delivered-To", "X-Original-To"} {
		for _, v := range env.GetHeaderValues(h) {
			addrs = append(addrs, addresses(v)...)
		}
	}
	addrs = append(addrs, envelope...)
	var out []string
	for _, a := range addrs {
		if t, ok := replyToken(a, local, domain); ok && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// replyToken reads the token of a reply address <local>+<token>@<domain>,
// without regard to case. Tokens are what token makes: 24 characters of
// lower-case base32.
func replyToken(addr, local, domain string) (string, bool) {
	addr = strings.ToLower(strings.Trim(strings.TrimSpace(addr), "<>"))
	at := strings.LastIndexByte(addr, '@')
	if at < 0 || addr[at+1:] != domain {
		return "", false
	}
	t, ok := strings.CutPrefix(addr[:at], local+"+")
	if !ok || len(t) != 24 {
		return "", false
	}
	for _, r := range t {
		if (r < 'a' || r > 'z') && (r < '2' || r > '7') {
			return "", false
		}
	}
	return t, true
}

// addresses reads the addresses of an address header, or, when it does
// not parse, whatever looks like one in it.
func addresses(v string) []string {
	if l, err := enmime.ParseAddressList(v); err == nil {
		out := make([]string, 0, len(l))
		for _, a := range l {
			out = append(out, a.Address)
		}
		return out
	}
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '"' })
}

// singleAddress reads a header that must hold one address; an absent
// header is an error too.
func singleAddress(env *enmime.Envelope, name string) (string, error) {
	v := strings.TrimSpace(env.GetHeader(name))
	if v == "" {
		return "", fmt.Errorf("no %s address", name)
	}
	l, err := enmime.ParseAddressList(v)
	switch {
	case err != nil:
		return "", fmt.Errorf("%q is not an address", clip(v, 100))
	case len(l) != 1:
		return "", fmt.Errorf("%d addresses; a reply has one", len(l))
	case strings.LastIndexByte(l[0].Address, '@') <= 0:
		return "", fmt.Errorf("%q is not an address", clip(l[0].Address, 100))
	}
	return l[0].Address, nil
}

// messageID reads a Message-Id header: the first <id>, without brackets,
// or the bare value.
func messageID(v string) string {
	if ids := messageIDs(v); len(ids) > 0 {
		return ids[0]
	}
	return ""
}

// messageIDs reads the ids of a References or In-Reply-To header: every
// <id>, or the words of a header written without brackets.
func messageIDs(v string) []string {
	var ids []string
	rest := v
	for {
		i := strings.IndexByte(rest, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '>')
		if j < 0 {
			break
		}
		if id := strings.TrimSpace(rest[i+1 : i+j]); id != "" && !strings.Contains(id, "<") {
			ids = append(ids, id)
		}
		rest = rest[i+j+1:]
	}
	if len(ids) == 0 && !strings.ContainsAny(v, "<>") {
		ids = strings.Fields(v)
	}
	return ids
}

// automatic says why a message was sent by a program (an out-of-office
// answer, a list, a delivery report), or "" when it seems written by a
// person.
func automatic(env *enmime.Envelope) string {
	if v := headerWord(env.GetHeader("Auto-Submitted")); v != "" && v != "no" {
		return "an automatic message (Auto-Submitted: " + v + ")"
	}
	switch v := headerWord(env.GetHeader("Precedence")); v {
	case "bulk", "junk", "list":
		return "an automatic message (Precedence: " + v + ")"
	}
	for _, h := range []string{"X-Autoreply", "X-Autorespond"} {
		if v := headerWord(env.GetHeader(h)); v != "" && v != "no" {
			return "an automatic message (" + h + ")"
		}
	}
	if strings.HasPrefix(headerWord(env.GetHeader("Content-Type")), "multipart/report") {
		return "a delivery or read report"
	}
	return ""
}

// headerWord is a header's value in lower case up to its first parameter
// or comment.
func headerWord(v string) string {
	if i := strings.IndexAny(v, ";("); i >= 0 {
		v = v[:i]
	}
	return strings.ToLower(strings.TrimSpace(v))
}

// failedAuthentication says which Authentication-Results (RFC 8601)
// report a failure for fromDomain: dmarc=fail for it (header.from), or
// spf=fail for it as the envelope sender's domain (smtp.mailfrom). A
// result that names no domain is taken to be about the From domain.
func failedAuthentication(values []string, fromDomain string) string {
	for _, v := range values {
		for _, res := range strings.Split(v, ";") {
			fields := strings.Fields(res)
			if len(fields) == 0 {
				continue
			}
			method, result, ok := strings.Cut(strings.ToLower(fields[0]), "=")
			if !ok || result != "fail" {
				continue
			}
			var prop string
			switch method {
			case "dmarc":
				prop = "header.from"
			case "spf":
				prop = "smtp.mailfrom"
			default:
				continue
			}
			domain := ""
			for _, f := range fields[1:] {
				if k, val, ok := strings.Cut(f, "="); ok && strings.EqualFold(k, prop) {
					val = strings.Trim(val, `"<>`)
					domain = val[strings.LastIndexByte(val, '@')+1:]
				}
			}
			if domain == "" || strings.EqualFold(domain, fromDomain) {
				return fmt.Sprintf("Authentication-Results report %s=fail for %s", method, fromDomain)
			}
		}
	}
	return ""
}

// Where the quoted message begins: an attribution line ("On <date>, <who>
// wrote:" and its Portuguese, Spanish and French forms), Outlook's
// "-----Original Message-----" in the same languages, or its underscore
// rule followed by a "From:" line.
var (
	attribution      = regexp.MustCompile(`(?i)^(on|em|el|le)\s.*\s(wrote|escreveu|escribió|a écrit)\s?:$`)
	attributionStart = regexp.MustCompile(`(?i)^(on|em|el|le)\s`)
	originalMessage  = regexp.MustCompile(`(?i)^-{2,}\s*(original message|mensagem original|mensaje original|message d'origine)\s*-{2,}$`)
	outlookRule      = regexp.MustCompile(`^_{20,}$`)
	outlookFrom      = regexp.MustCompile(`(?i)^(from|de):\s`)
)

// replyText is what the person wrote: the text without quoted lines (">")
// and without everything from the quoted message's header or the
// signature separator ("-- ") on.
func replyText(text string) string {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	out := make([]string, 0, len(lines))
	next := func(i int) string {
		if i+1 < len(lines) {
			return strings.TrimSpace(lines[i+1])
		}
		return ""
	}
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if l == "-- " || t == "--" ||
			attribution.MatchString(t) ||
			attributionStart.MatchString(t) && attribution.MatchString(t+" "+next(i)) ||
			originalMessage.MatchString(t) ||
			outlookRule.MatchString(t) && outlookFrom.MatchString(next(i)) {
			break
		}
		if strings.HasPrefix(t, ">") {
			continue
		}
		out = append(out, strings.TrimRight(l, " \t"))
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

// plain is s as text a case takes (accord.TextProblem): mail from the
// wild may carry control characters and broken encodings that nobody
// typed on purpose, so they are dropped rather than the message refused.
func plain(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// clip cuts s to at most n bytes without splitting a character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
