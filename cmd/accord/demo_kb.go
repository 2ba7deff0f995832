package main

import (
	"context"
	"fmt"
	"time"

	"accord/internal/accord"
	"accord/internal/directory"
	"accord/internal/kb"
)

// seedKB writes the knowledge base's demo articles as the vendor's agent:
// the expired-password article in Portuguese with its English and Spanish
// translations, public; a customers' article about session recordings;
// an internal runbook; and a draft.
func seedKB(ctx context.Context, svc *services, now time.Time, users map[string]directory.User) error {
	sam := users["agent@northwind.example"]
	ctx = accord.WithActor(ctx, accord.Actor{UserID: sam.ID, OrgID: sam.OrgID, Role: sam.Role, Name: sam.Name})
	publish := func(in kb.NewArticle) (kb.Article, error) {
		a, err := svc.kb.Create(ctx, now, in)
		if err == nil {
			a, err = svc.kb.Publish(ctx, now, a.ID)
		}
		if err != nil {
			return a, fmt.Errorf("demo article %q: %w", in.Title, err)
		}
		return a, nil
	}
	pt, err := publish(kb.NewArticle{Lang: "pt-BR", Slug: "senha-expirada", Title: "Senha expirada: como redefinir o acesso ao cofre",
		Category: "acesso", Product: "pam-core", Versions: "3.20-3.23", Visibility: kb.Public,
		Body: "Quando a **senha** de um usuário expira, o cofre recusa o acesso com a mensagem *Senha expirada*.\n\n" +
			"1. Entre no portal como administrador.\n2. Abra **Usuários** e escolha o usuário.\n3. Clique em **Redefinir senha** e envie o link.\n\n" +
			"As senhas expiram conforme a política de configuração do cofre (padrão: 90 dias)."})
	if err != nil {
		return err
	}
	for _, in := range []kb.NewArticle{
		{TranslationOf: pt.ID, Lang: "en-US", Slug: "expired-password", Title: "Expired password: how to restore vault access",
			Category: "access", Product: "pam-core", Versions: "3.20-3.23", Visibility: kb.Public,
			Body: "When a user's **password** expires, the vault refuses access with *Password expired*.\n\n" +
				"1. Sign in to the portal as an administrator.\n2. Open **Users** and pick the user.\n3. Click **Reset password** and send the link."},
		{TranslationOf: pt.ID, Lang: "es-ES", Slug: "contrasena-caducada", Title: "Contraseña caducada: cómo restablecer el acceso",
			Category: "acceso", Product: "pam-core", Versions: "3.20-3.23", Visibility: kb.Public,
			Body: "Cuando la **contraseña** de un usuario caduca, la bóveda rechaza el acceso.\n\n" +
				"1. Entre en el portal como administrador.\n2. Abra **Usuarios**.\n3. Pulse **Restablecer contraseña**."},
		{Lang: "en-US", Slug: "session-recording-retention", Title: "How long session recordings are kept",
			Category: "audit", Product: "session-recording", Visibility: kb.Customers,
			Body: "Recorded sessions are kept for 90 days by default; change it under **Settings > Recording**."},
		{Lang: "en-US", Slug: "vault-unseal-runbook", Title: "Runbook: unsealing a vault after a failed upgrade",
			Category: "operations", Product: "pam-core", Versions: "3.21", Visibility: kb.Internal,
			Body: "Internal: use the recovery keys from the escrow, never the customer's."},
	} {
		if _, err := publish(in); err != nil {
			return err
		}
	}
	_, err = svc.kb.Create(ctx, now, kb.NewArticle{Lang: "pt-BR", Slug: "configuracao-proxy", Title: "Configuração do proxy",
		Category: "rede", Visibility: kb.Public, Body: "Rascunho: as configurações de proxy ficam em /etc/proxy."})
	return err
}
