package raci_test

import (
	"testing"

	"accord/internal/accord"
	"accord/internal/raci"
	"accord/internal/yamldoc"
)

// A syntax error is known by its line only: the message names no
// "column 0" the importer would look for in vain.
func TestInvalidNamesOnlyWhatIsKnown(t *testing.T) {
	err := raci.Invalid("raci.Import", yamldoc.Problems{{Line: 14, Msg: "did not find expected ',' or ']'"},
		{Path: "processes[0].key", Line: 20, Column: 9, Msg: "must be lower case"}})
	e, _ := err.(*accord.Error)
	if e == nil || len(e.Problems) != 2 {
		t.Fatalf("error %v", err)
	}
	if got := e.Problems[0].Msg; got != "line 14: did not find expected ',' or ']'" {
		t.Errorf("syntax problem %q", got)
	}
	if got := e.Problems[1]; got.Field != "document.processes[0].key" || got.Msg != "line 20, column 9: must be lower case" {
		t.Errorf("shape problem %+v", got)
	}
}
