package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"

	"accord/internal/accord"
)

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Kind    accord.Kind `json:"kind"`
	Field   string      `json:"field,omitempty"`
	Message string      `json:"message"`
	// Problems names every field at fault when there are several.
	Problems []accord.Problem `json:"problems,omitempty"`
}

// writeError answers with err's kind and public message. Internal errors are
// logged here, once, with the request id, and their cause is not shown.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	kind := accord.KindOf(err)
	pub := accord.Public(err)
	if kind == accord.Internal {
		s.log.ErrorContext(r.Context(), "internal error", "err", err, "request_id", accord.RequestID(r.Context()), "route", r.Pattern)
	}
	msg := pub.Msg
	if msg == "" {
		msg = strings.ReplaceAll(string(kind), "_", " ")
	}
	writeJSON(w, kind.Status(), errorBody{errorDetail{Kind: kind, Field: pub.Field, Message: msg, Problems: pub.Problems}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// maxBody bounds request bodies; nothing in the API needs more.
const maxBody = 1 << 20

// decode reads a JSON body into v, refusing unknown fields, trailing data
// and bodies over maxBody, and names the offending field in its error.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return accord.FieldError("Content-Type", "must be application/json")
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("trailing data after the JSON value")
	}
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return accord.FieldError(field, "must be a JSON %s", jsonKind(typeErr.Type.Kind()))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return accord.FieldError("body", "is not valid JSON (it ends too early)")
	case errors.As(err, &syntaxErr):
		return accord.FieldError("body", "is not valid JSON (at byte %d)", syntaxErr.Offset)
	case errors.As(err, &tooBig):
		return accord.FieldError("body", "must be at most %d bytes", tooBig.Limit)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return accord.FieldError(name, "is not a known field")
	case errors.Is(err, io.EOF):
		return accord.FieldError("body", "is empty; a JSON object is required")
	}
	return accord.FieldError("body", "%v", err)
}

// jsonKind names a Go kind the way a JSON client knows it.
func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Struct, reflect.Map:
		return "object"
	case reflect.Slice, reflect.Array:
		return "array"
	}
	return "number"
}
