package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/directory"
	"accord/internal/kb"
	"accord/internal/store"
)

// kbCorpus is a small fixed corpus per language: each search of
// kbQueries must rank its article first on both engines.
var kbCorpus = []kb.NewArticle{
	{Lang: "pt-BR", Slug: "senha-expirada", Title: "Senha expirada no cofre", Category: "acesso", Visibility: kb.Public,
		Body: "Quando as senhas expiram, o usuário não entra. Redefina a senha pelo portal."},
	{Lang: "pt-BR", Slug: "configuracao-proxy", Title: "Configuração do proxy", Category: "rede", Visibility: kb.Public,
		Body: "As configurações de rede do servidor ficam em /etc/proxy. Reinicie o serviço."},
	{Lang: "pt-BR", Slug: "backup-diario", Title: "Backup diário", Category: "operacao", Visibility: kb.Public,
		Body: "O backup roda todas as noites; verifique os arquivos gerados."},
	{Lang: "en-US", Slug: "expired-password", Title: "Expired password in the vault", Category: "access", Visibility: kb.Public,
		Body: "When passwords expire, users cannot sign in. Reset the password from the portal."},
	{Lang: "en-US", Slug: "proxy-configuration", Title: "Proxy configuration", Category: "network", Visibility: kb.Public,
		Body: "Network settings of the server live in /etc/proxy. Restart the service."},
	{Lang: "en-US", Slug: "session-recording", Title: "Session recordings", Category: "audit", Visibility: kb.Public,
		Body: "Recorded sessions are kept for ninety days and can be exported as video files."},
	{Lang: "es-ES", Slug: "contrasena-caducada", Title: "Contraseña caducada", Category: "acceso", Visibility: kb.Public,
		Body: "Cuando las contraseñas caducan, los usuarios no pueden entrar. Restablezca la contraseña."},
	{Lang: "es-ES", Slug: "configuracion-servidores", Title: "Configuración de servidores", Category: "red", Visibility: kb.Public,
		Body: "La configuración de los servidores proxy está en /etc/proxy."},
	{Lang: "es-ES", Slug: "grabacion-sesiones", Title: "Grabación de sesiones", Category: "auditoria", Visibility: kb.Public,
		Body: "Las sesiones grabadas se guardan noventa días."},
}

var kbQueries = []struct {
	lang, q, first string
}{
	{"pt-BR", "senha", "senha-expirada"},
	{"pt-BR", "senhas", "senha-expirada"},
	{"pt-BR", "senha expirada", "senha-expirada"},
	{"pt-BR", "SENHA EXPIRADA", "senha-expirada"},
	{"pt-BR", "configuração", "configuracao-proxy"},
	{"pt-BR", "configuracao", "configuracao-proxy"},
	{"pt-BR", "configurações", "configuracao-proxy"},
	{"pt-BR", "diario", "backup-diario"},
	{"pt-BR", "arquivo", "backup-diario"},
	{"en-US", "password", "expired-password"},
	{"en-US", "passwords", "expired-password"},
	{"en-US", "expired passwords", "expired-password"},
	{"en-US", "recording", "session-recording"},
	{"en-US", "proxy", "proxy-configuration"},
	{"es-ES", "contrasena", "contrasena-caducada"},
	{"es-ES", "contraseñas", "contrasena-caducada"},
	{"es-ES", "configuracion", "configuracion-servidores"},
	{"es-ES", "servidor", "configuracion-servidores"},
	{"es-ES", "grabación", "grabacion-sesiones"},
	{"", "senha expirada", "senha-expirada"},
}

func kbFixture(t *testing.T, db *store.DB) (*kb.Service, directory.Organization) {
	t.Helper()
	d := store.NewDirectory(db)
	vendor := mkOrg(t, d, directory.KindVendor, "KB vendor")
	return kb.NewService(store.NewKB(db), directory.NewService(d, directory.DefaultConfig()), func() time.Time { return t0 }), vendor
}

func testKBSearch(t *testing.T, db *store.DB) {
	s, _ := kbFixture(t, db)
	staff := accord.WithActor(ctx, system)
	for _, in := range kbCorpus {
		a, err := s.Create(staff, t0, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Publish(staff, t0, a.ID); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range kbQueries {
		hits, err := s.Search(ctx, kb.Query{Text: q.q, Lang: q.lang})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) == 0 || hits[0].Slug != q.first {
			var got []string
			for _, h := range hits {
				got = append(got, h.Slug)
			}
			t.Errorf("search %q in %q: got %v, want %s first", q.q, q.lang, got, q.first)
			continue
		}
		if q.lang != "" && slices.ContainsFunc(hits, func(h kb.Hit) bool { return h.Lang != q.lang }) {
			t.Errorf("search %q in %q: found other languages", q.q, q.lang)
		}
		if len(hits[0].Snippet) == 0 {
			t.Errorf("search %q: no snippet", q.q)
		}
	}
	// Nothing a person types is query syntax on either engine.
	for _, q := range []string{`"`, `senha OR`, `NEAR(a b)`, `title:senha`, `senh* -x`, `a & | ! ( ) :*`, `'`} {
		if _, err := s.Search(ctx, kb.Query{Text: q}); err != nil {
			t.Errorf("search %q: %v", q, err)
		}
	}
	sug, err := s.Suggest(ctx, "senha expirada", "pt-BR")
	if err != nil || len(sug) != 1 || sug[0].Slug != "senha-expirada" {
		t.Fatalf("suggest = %v, %v", sug, err)
	}
}

// testKBVisibility is the visibility matrix: which readers find which
// articles, by search, by id and by slug, and in the sitemap.
func testKBVisibility(t *testing.T, db *store.DB) {
	s, vendor := kbFixture(t, db)
	d := store.NewDirectory(db)
	customer := mkOrg(t, d, directory.KindCustomer, "KB customer")
	partner := mkOrg(t, d, directory.KindPartner, "KB partner")
	staff := accord.WithActor(ctx, system)
	ids := map[string]accord.ID{}
	for _, v := range kb.Visibilities {
		a, err := s.Create(staff, t0, kb.NewArticle{Lang: "en-US", Title: "Vault " + string(v), Body: "vault guide", Visibility: v})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Publish(staff, t0, a.ID); err != nil {
			t.Fatal(err)
		}
		ids[string(v)] = a.ID
	}
	draft, err := s.Create(staff, t0, kb.NewArticle{Lang: "en-US", Title: "Vault draft", Body: "vault guide", Visibility: kb.Public})
	if err != nil {
		t.Fatal(err)
	}
	ids["draft"] = draft.ID
	archived, err := s.Create(staff, t0, kb.NewArticle{Lang: "en-US", Title: "Vault archived", Body: "vault guide", Visibility: kb.Public})
	if err == nil {
		_, err = s.Publish(staff, t0, archived.ID)
	}
	if err == nil {
		_, err = s.Archive(staff, t0, archived.ID)
	}
	if err != nil {
		t.Fatal(err)
	}
	ids["archived"] = archived.ID
	as := func(org accord.ID, role accord.Role) *accord.Actor {
		return &accord.Actor{UserID: accord.NewID("usr"), OrgID: org, Role: role, Name: string(role)}
	}
	// certified is a partner's agent whose certification ends on until.
	certified := func(until string) *accord.Actor {
		u := mkUser(t, d, partner.ID, until+"@kb-partner.example", accord.RolePartnerAgent)
		c := directory.Certification{ID: accord.NewID("crt"), OrgID: partner.ID, UserID: u.ID, Name: "Core", Number: "N-" + until,
			ValidFrom: "2025-01-01", ValidUntil: until, CreatedAt: t0}
		if err := d.CreateCertification(ctx, c, ev(partner.ID, "certification.create")); err != nil {
			t.Fatal(err)
		}
		a := u.Actor()
		return &a
	}
	for _, tc := range []struct {
		name  string
		actor *accord.Actor
		sees  []string
	}{
		{"anonymous", nil, []string{"public"}},
		{"customer contact", as(customer.ID, accord.RoleCustomerContact), []string{"public", "customers"}},
		{"partner agent", certified("2027-06-30"), []string{"public", "customers", "partners"}},
		{"partner agent, certification lapsed", certified("2026-10-31"), []string{"public"}},
		{"partner agent, never certified", as(partner.ID, accord.RolePartnerAgent), []string{"public"}},
		{"vendor agent", as(vendor.ID, accord.RoleAgent), []string{"public", "customers", "partners", "internal", "draft", "archived"}},
		{"vendor auditor", as(vendor.ID, accord.RoleAuditor), []string{"public", "customers", "partners", "internal", "draft", "archived"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ctx
			if tc.actor != nil {
				c = accord.WithActor(ctx, *tc.actor)
			}
			hits, err := s.Search(c, kb.Query{Text: "vault"})
			if err != nil {
				t.Fatal(err)
			}
			found := map[accord.ID]bool{}
			for _, h := range hits {
				found[h.ID] = true
			}
			for name, id := range ids {
				want := slices.Contains(tc.sees, name)
				if found[id] != want {
					t.Errorf("search finds %s: %v, want %v", name, found[id], want)
				}
				a, err := s.Get(c, id)
				if want && err != nil || !want && accord.KindOf(err) != accord.NotFound {
					t.Errorf("get %s: %v", name, err)
				}
				if err == nil {
					if _, err := s.BySlug(c, a.Slug); err != nil {
						t.Errorf("by slug %s: %v", name, err)
					}
				}
				sug, _ := s.Suggest(c, "vault", "en-US")
				if slices.ContainsFunc(sug, func(h kb.Hit) bool { return h.ID == id && !want }) {
					t.Errorf("suggestions offer %s", name)
				}
			}
		})
	}
	site, err := s.Sitemap(ctx)
	if err != nil || len(site) != 1 || site[0].ID != ids["public"] {
		t.Fatalf("sitemap = %v, %v", site, err)
	}
}

// testKBRevisions: publication and each change of a published article keep
// a revision naming who changed which fields; drafts keep none.
func testKBRevisions(t *testing.T, db *store.DB) {
	s, _ := kbFixture(t, db)
	ana := accord.Actor{UserID: accord.NewID("usr"), Role: accord.RoleAgent, Name: "Ana"}
	staff := accord.WithActor(ctx, ana)
	a, err := s.Create(staff, t0, kb.NewArticle{Lang: "pt-BR", Title: "Senha expirada", Body: "Redefina a senha.", Visibility: kb.Public})
	if err != nil {
		t.Fatal(err)
	}
	if a.Slug != "senha-expirada" {
		t.Errorf("slug = %q", a.Slug)
	}
	title := "Senha expirada (rascunho)"
	if _, err := s.Update(staff, t0, a.ID, kb.Update{Title: &title}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Publish(staff, t0.Add(1), a.ID); err != nil {
		t.Fatal(err)
	}
	body := "Redefina a senha pelo portal."
	if _, err := s.Update(staff, t0.Add(2), a.ID, kb.Update{Body: &body}); err != nil {
		t.Fatal(err)
	}
	revs, err := s.Revisions(staff, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(revs) != 2 || revs[0].Number != 2 || !slices.Equal(revs[0].Changed, []string{"body"}) || revs[0].ByName != "Ana" ||
		revs[0].Body != body || revs[1].Number != 1 || revs[1].Title != title {
		t.Fatalf("revisions = %+v", revs)
	}
	// A translation joins the group; a second one in the same language,
	// or a taken slug, is a conflict.
	es, err := s.Create(staff, t0, kb.NewArticle{TranslationOf: a.ID, Lang: "es-ES", Title: "Contraseña caducada", Body: "x", Visibility: kb.Public})
	if err != nil || es.GroupID != a.GroupID {
		t.Fatalf("translation = %+v, %v", es, err)
	}
	_, err = s.Create(staff, t0, kb.NewArticle{TranslationOf: a.ID, Lang: "es-ES", Slug: "otra", Title: "Otra", Body: "x", Visibility: kb.Public})
	wantKind(t, err, accord.Conflict)
	_, err = s.Create(staff, t0, kb.NewArticle{Lang: "en-US", Slug: "senha-expirada", Title: "x", Body: "x", Visibility: kb.Public})
	wantKind(t, err, accord.Conflict)
	// Readers count what solved their problem, signed in or not.
	if _, err := s.Solved(ctx, t0, a.ID); err != nil {
		t.Fatal(err)
	}
	got, err := s.Solved(staff, t0, a.ID)
	if err != nil || got.Solved != 2 {
		t.Fatalf("solved = %d, %v", got.Solved, err)
	}
	// Only vendor staff write.
	contact := accord.WithActor(ctx, accord.Actor{UserID: accord.NewID("usr"), Role: accord.RoleCustomerContact})
	_, err = s.Create(contact, t0, kb.NewArticle{Lang: "en-US", Title: "x", Body: "x", Visibility: kb.Public})
	wantKind(t, err, accord.Forbidden)
	_, err = s.Create(staff, t0, kb.NewArticle{Lang: "fr-FR", Title: "x", Body: "x", Visibility: kb.Public})
	if e := (*accord.Error)(nil); accord.KindOf(err) != accord.Invalid || !errors.As(err, &e) || e.Field != "lang" {
		t.Fatalf("bad language: %v", err)
	}
}
