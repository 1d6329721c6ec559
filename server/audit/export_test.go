package audit

// SetExactHistory makes the auditor re-prepare the history before every
// message after a change, the slow reference the incremental view must
// agree with.
func SetExactHistory(a *Auditor, on bool) { a.exactHistory = on }
