package web

// formSet serves a page that carries several forms (one per action on an
// engagement, one per contact request), of which at most one was sent and
// refused. Only that form shows what was typed and its field errors, and
// only its inputs get the ids f-<field> that the error summary at the top
// of the page links to; the other forms' inputs get ids prefixed with
// their form's name, so that no id is used twice.
type formSet struct {
	page *page
	sent string // the name of the form that was sent, if any
}

// Form is the form called name on the page.
func (fs *formSet) Form(name string) formView { return formView{set: fs, name: name} }

type formView struct {
	set  *formSet
	name string
}

// Sent reports whether this is the form that was sent and refused; the
// template opens its <details>.
func (f formView) Sent() bool { return f.set.page != nil && f.set.sent == f.name }

// ID is the id of the form's input for field.
func (f formView) ID(field string) string {
	if f.Sent() {
		return "f-" + field
	}
	return f.name + "-" + field
}

// Value is what was typed in field, or def.
func (f formView) Value(field, def string) string {
	if f.Sent() {
		return f.set.page.Value(field, def)
	}
	return def
}

// Checked is whether the checkbox field was ticked, or def.
func (f formView) Checked(field string, def bool) bool {
	if f.Sent() && f.set.page.Form != nil {
		return f.set.page.Form.Get(field) != ""
	}
	return def
}

// Err is the problem with field, if this form was sent.
func (f formView) Err(field string) string {
	if f.Sent() {
		return f.set.page.Err(field)
	}
	return ""
}
