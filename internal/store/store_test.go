package store_test

import (
	"os"
	"testing"

	"accord/internal/store/dbtest"
	"accord/internal/store/storetest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	dbtest.DropTemplate()
	os.Exit(code)
}

func TestConformance(t *testing.T) {
	dbtest.Engines(t, storetest.Run)
}
