package ccaas

import "errors"

// Errors a Store answers with; callers test them with errors.Is.
var (
	// ErrNotFound: the asked-for record does not exist (or belongs to
	// another tenant, which must look the same).
	ErrNotFound = errors.New("not found")
	// ErrDuplicate: a value that must be unique is already taken. The error
	// is a *DuplicateError that says which one.
	ErrDuplicate = errors.New("already taken")
	// ErrDIDNotAssigned: a queue was given a number (DID) that the operator
	// has not assigned to its tenant (it may be unassigned or another
	// tenant's, which must look the same).
	ErrDIDNotAssigned = errors.New("number not assigned to the tenant")
)

// DuplicateError is an ErrDuplicate that names the value taken: Field of
// Record. A store names these: agent username, agent extension, queue name,
// queue did (a DID rings one queue of all tenants), tenant domain, call
// variable variable (listed twice), reason reason (listed twice), operator
// username; Record and Field are empty for a value it cannot name. Err is
// the store's own error; its text is the error's text.
type DuplicateError struct {
	Record string
	Field  string
	Err    error
}

func (e *DuplicateError) Error() string {
	if e.Err != nil {
		return e.Err.Error()
	}
	return e.Record + " " + e.Field + " " + ErrDuplicate.Error()
}

// Is makes errors.Is(err, ErrDuplicate) true.
func (e *DuplicateError) Is(target error) bool { return target == ErrDuplicate }

func (e *DuplicateError) Unwrap() error { return e.Err }
