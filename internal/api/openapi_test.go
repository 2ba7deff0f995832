package api

import (
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// openapiExtraRoutes are served outside routes(): server.go registers
// GET /metrics on the mux directly (the Prometheus handler, or a 404), so the
// document covers it though routes() does not list it. They are public.
var openapiExtraRoutes = []route{
	{method: "GET", path: "/metrics", public: true},
}

// openapiMethods are the operation keys of an OpenAPI path item.
var openapiMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// openapiDoc reads openapi.yaml as generic YAML, so that the checks below
// see exactly what a client would.
func openapiDoc(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("openapi.yaml does not parse: %v", err)
	}
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Fatalf("openapi.yaml: openapi is %q, want 3.1.x", v)
	}
	for _, k := range []string{"info", "paths", "components"} {
		if _, ok := doc[k].(map[string]any); !ok {
			t.Fatalf("openapi.yaml has no %s object", k)
		}
	}
	return doc
}

type openapiOp struct {
	method, path string // method upper-case, as in routes()
	op           map[string]any
	item         map[string]any // the path item, for path-level parameters
}

func (o openapiOp) String() string { return o.method + " " + o.path }

// openapiOps lists the document's operations.
func openapiOps(t *testing.T, doc map[string]any) []openapiOp {
	t.Helper()
	var ops []openapiOp
	for path, v := range doc["paths"].(map[string]any) {
		item, ok := v.(map[string]any)
		if !ok {
			t.Errorf("openapi.yaml: path %s is not an object", path)
			continue
		}
		for _, m := range openapiMethods {
			if op, ok := item[m].(map[string]any); ok {
				ops = append(ops, openapiOp{method: strings.ToUpper(m), path: path, op: op, item: item})
			} else if item[m] != nil {
				t.Errorf("openapi.yaml: %s %s is not an object", strings.ToUpper(m), path)
			}
		}
	}
	slices.SortFunc(ops, func(a, b openapiOp) int { return strings.Compare(a.String(), b.String()) })
	return ops
}

func openapiServed() map[string]route {
	served := map[string]route{}
	for _, r := range append((&Server{}).routes(), openapiExtraRoutes...) {
		served[r.method+" "+r.path] = r
	}
	return served
}

// TestOpenAPICoversRoutes fails for every served route the document lacks
// and every documented operation no route serves.
func TestOpenAPICoversRoutes(t *testing.T) {
	doc := openapiDoc(t)
	documented := map[string]bool{}
	for _, o := range openapiOps(t, doc) {
		documented[o.String()] = true
	}
	served := openapiServed()
	for _, k := range slices.Sorted(maps.Keys(served)) {
		if !documented[k] {
			t.Errorf("route %s is not documented in openapi.yaml", k)
		}
	}
	for _, o := range openapiOps(t, doc) {
		if _, ok := served[o.String()]; !ok {
			t.Errorf("openapi.yaml documents %s, which no route serves", o)
		}
	}
}

// TestOpenAPIOperations checks each operation: a unique operationId, a
// summary, responses, path parameters that match the path's {names}, and
// security that matches whether the route is public.
func TestOpenAPIOperations(t *testing.T) {
	doc := openapiDoc(t)
	served := openapiServed()
	ids := map[string]string{}
	wildcard := regexp.MustCompile(`\{([^}]+)\}`)
	for _, o := range openapiOps(t, doc) {
		id, _ := o.op["operationId"].(string)
		switch {
		case id == "":
			t.Errorf("%s has no operationId", o)
		case ids[id] != "":
			t.Errorf("%s and %s share the operationId %q", ids[id], o, id)
		default:
			ids[id] = o.String()
		}
		if s, _ := o.op["summary"].(string); s == "" {
			t.Errorf("%s has no summary", o)
		}
		if resp, _ := o.op["responses"].(map[string]any); len(resp) == 0 {
			t.Errorf("%s has no responses", o)
		}

		// Path parameters, from the path item and the operation, with $refs
		// followed, must be exactly the path's wildcards.
		want := map[string]bool{}
		for _, m := range wildcard.FindAllStringSubmatch(o.path, -1) {
			want[m[1]] = true
		}
		got := map[string]bool{}
		for _, src := range []map[string]any{o.item, o.op} {
			list, _ := src["parameters"].([]any)
			for _, p := range list {
				pm, _ := openapiDeref(doc, p).(map[string]any)
				if pm == nil || pm["in"] != "path" {
					continue
				}
				name, _ := pm["name"].(string)
				got[name] = true
				if pm["required"] != true {
					t.Errorf("%s: path parameter %q is not marked required", o, name)
				}
			}
		}
		for name := range want {
			if !got[name] {
				t.Errorf("%s: path parameter {%s} is not declared", o, name)
			}
		}
		for name := range got {
			if !want[name] {
				t.Errorf("%s declares path parameter %q, which its path does not have", o, name)
			}
		}

		// Public routes override the global security with an empty list;
		// the others keep it.
		r, ok := served[o.String()]
		if !ok {
			continue // reported by TestOpenAPICoversRoutes
		}
		sec, overridden := o.op["security"]
		list, _ := sec.([]any)
		if r.public && (!overridden || len(list) != 0) {
			t.Errorf("%s is public but does not declare `security: []`", o)
		}
		if !r.public && overridden && len(list) == 0 {
			t.Errorf("%s needs sign-in but declares `security: []`", o)
		}
	}
	if len(ids) == 0 {
		t.Error("openapi.yaml has no operations")
	}
}

// TestOpenAPIRefsResolve fails for every $ref that does not point at an
// existing node of the document's components.
func TestOpenAPIRefsResolve(t *testing.T) {
	doc := openapiDoc(t)
	n := 0
	var walk func(where string, v any)
	walk = func(where string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"]; ok {
				n++
				s, _ := ref.(string)
				if !strings.HasPrefix(s, "#/components/") {
					t.Errorf("%s: $ref %v does not point into #/components/", where, ref)
				} else if openapiPointer(doc, s) == nil {
					t.Errorf("%s: $ref %s does not resolve", where, s)
				}
			}
			for k, x := range v {
				walk(where+"/"+k, x)
			}
		case []any:
			for i, x := range v {
				walk(fmt.Sprintf("%s/%d", where, i), x)
			}
		}
	}
	walk("#", doc)
	if n == 0 {
		t.Error("openapi.yaml has no $refs; the checks did not run")
	}
	// The security schemes the global requirement names must exist too.
	schemes, _ := openapiPointer(doc, "#/components/securitySchemes").(map[string]any)
	reqs, _ := doc["security"].([]any)
	for _, req := range reqs {
		m, _ := req.(map[string]any)
		for name := range m {
			if schemes[name] == nil {
				t.Errorf("security names scheme %q, which components.securitySchemes lacks", name)
			}
		}
	}
}

// openapiPointer resolves a local JSON pointer ("#/a/b") in doc, or nil.
func openapiPointer(doc map[string]any, ref string) any {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil
	}
	var cur any = doc
	for _, tok := range strings.Split(rest, "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		if cur, ok = m[tok]; !ok {
			return nil
		}
	}
	return cur
}

// openapiDeref follows v's $ref, if it has one.
func openapiDeref(doc map[string]any, v any) any {
	for range 10 {
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return v
		}
		v = openapiPointer(doc, ref)
	}
	return v
}
