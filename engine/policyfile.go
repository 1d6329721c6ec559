package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// FieldError names one invalid field of a policy by its JSON path.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// PolicyError lists every invalid field, not only the first.
type PolicyError struct {
	Errors []FieldError
}

func (e *PolicyError) Error() string {
	parts := make([]string, len(e.Errors))
	for i, f := range e.Errors {
		parts[i] = f.Field + ": " + f.Message
	}
	return "invalid policy: " + strings.Join(parts, "; ")
}

// ParsePolicy decodes a policy document strictly (unknown fields are
// errors) and validates it.
func ParsePolicy(data []byte) (Policy, error) {
	var p Policy
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Policy{}, &PolicyError{Errors: []FieldError{{Field: "$", Message: fmt.Sprint(err)}}}
	}
	if err := p.Validate(); err != nil {
		return Policy{}, err
	}
	return p, nil
}

// Validate checks every field and returns a *PolicyError or nil.
func (p Policy) Validate() error {
	var errs []FieldError
	if p.ID == "" {
		errs = append(errs, FieldError{"id", "must not be empty"})
	}
	if len(errs) > 0 {
		return &PolicyError{Errors: errs}
	}
	return nil
}
