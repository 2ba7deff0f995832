package main

import "testing"

// A Spanish customer reads the policy's own criticality definitions and
// phone lines in Spanish before opening a case, and the catalog's services
// in Spanish; both pages pass axe.
func TestBrowserPolicyTextsSpanish(t *testing.T) {
	b := newBrowser(t)
	gina := b.person("the Spanish customer")
	gina.signIn("it@globex.example")
	gina.open("/cases/new")
	gina.see(`label[for="crit-C1"]`, "Urgente", "La producción está parada: no podéis trabajar en producción con el producto")
	gina.see(`label[for="crit-C2"]`, "Alta", "no tiene solución alternativa")
	gina.see(`label[for="crit-C4"]`, "Baja", "dudas y solicitudes de información")
	gina.see(`#phone-notice`, "C1 Urgente, C2 Alta", "Norteamérica")
	gina.checkA11y("/cases/new in es-ES")
	gina.open("/engagements/new")
	gina.see(`main`, "Prueba de HA/DR", "Clon en un entorno aislado", "Formación para administradores")
	gina.checkA11y("/engagements/new in es-ES")
}
