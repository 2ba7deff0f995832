package store_test

import (
	"testing"

	"accord/internal/store/dbtest"
	"accord/internal/store/storetest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestConformance(t *testing.T) {
	dbtest.Engines(t, storetest.Run)
}
