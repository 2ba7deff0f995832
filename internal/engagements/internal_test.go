package engagements

import (
	"errors"

	"accord/internal/accord"
)

func asErr(err error, target **accord.Error) bool { return errors.As(err, target) }
