package sla

import (
	"errors"

	"accord/internal/accord"
)

// publicField returns the field an Invalid error names, or "".
func publicField(err error) string {
	var e *accord.Error
	if errors.As(err, &e) && e.Kind == accord.Invalid {
		return e.Field
	}
	return ""
}
