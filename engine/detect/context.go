package detect

// Context is searched only around candidates, never over the whole text, so
// its cost grows with the number of identifiers, not the size of the body.

// near reports whether a word of set occurs within the window either side
// of [start, end).
func (d *Detector) near(set *termSet, text string, start, end int) bool {
	found := false
	from, to := d.windowOf(text, start, end)
	set.scan(text, from, start, func(_, e int, _ *term) bool {
		found = e <= start
		return !found
	})
	if found {
		return true
	}
	set.scan(text, end, to, func(_, _ int, _ *term) bool {
		found = true
		return false
	})
	return found
}

func (d *Detector) windowOf(text string, start, end int) (int, int) {
	from, to := start-d.window, end+d.window
	if from < 0 {
		from = 0
	}
	if to > len(text) {
		to = len(text)
	}
	return from, to
}

// confidence rates a number from the context around [start, end): the
// nearest context word wins. Phone context counts on the left (that is where
// "tel:" or "call" stands); on the right it counts only when no identifier
// context is near, so "NHS no 943 476 5919, tel 0161 ..." stays high.
func (d *Detector) confidence(text string, start, end int) int {
	const none = 1 << 30
	idDist, phoneLeft, phoneRight := none, none, none
	from, to := d.windowOf(text, start, end)
	d.numberContext.scan(text, from, start, func(_, e int, t *term) bool {
		if e > start {
			return true
		}
		if t.mask&ctxIdentifier != 0 && start-e < idDist {
			idDist = start - e
		}
		if t.mask&ctxPhone != 0 && start-e < phoneLeft {
			phoneLeft = start - e
		}
		return true
	})
	d.numberContext.scan(text, end, to, func(s, _ int, t *term) bool {
		if t.mask&ctxIdentifier != 0 && s-end < idDist {
			idDist = s - end
		}
		if t.mask&ctxPhone != 0 && s-end < phoneRight {
			phoneRight = s - end
		}
		return true
	})
	switch {
	case phoneLeft < idDist:
		return Low
	case idDist < none:
		return High
	case phoneRight < none:
		return Low
	}
	return Medium
}
