// Package yamldoc reads YAML documents strictly into Go structs and reports
// everything wrong with them as [Problems], each with the path of the value
// ("plans.premium.targets.C2.clock", "services[3].name"), its line and its
// column. The support policy (internal/sla) and the professional-services
// catalog are read with it.
//
// [Decode] checks the shape of the YAML tree against the Go type before
// decoding, because yaml.v3 reports unknown fields and type mismatches by
// line only; then the caller's validate function checks the rules the shape
// cannot express, and Decode locates those problems in the document.
//
// Invariants:
//   - Decode returns nil or a non-empty [Problems], never another error, and
//     never panics on any document (FuzzDecode); a nil error means every
//     check passed and v holds the document.
//   - strict: a field the Go type does not have, a key that appears twice,
//     a mapping or list where a single value belongs (and the reverse), a
//     number or boolean that is not one, and a [Scalar] whose CheckScalar
//     fails are problems, each at its own node.
//   - a character that is not text (accord.TextProblem: NUL and the other
//     control characters but tab, line feed and carriage return; invalid
//     UTF-8) is a problem at its line and column, whether written in the
//     document or made by a quoted string's escapes ("\0"), in a value or
//     a key: PostgreSQL could not store it.
//   - anchors and aliases are refused, before anything is decoded: expanding
//     them can take exponential time on a hostile document.
//   - a document is at most the caller's limit in bytes, and not empty.
//   - a value with a shape problem is decoded as its zero value, and a key
//     that appears again is not decoded, so validate judges the rest of the
//     document in the same pass; a rule problem under a path that already
//     has a shape problem is dropped, since a value of the wrong shape
//     cannot be judged.
//   - problems come out in document order (line, then column).
//   - messages do not repeat the path: [Problem.String] joins them.
package yamldoc
