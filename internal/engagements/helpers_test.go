package engagements_test

import (
	"errors"

	"accord/internal/accord"
)

func asError(err error, target **accord.Error) bool { return errors.As(err, target) }
