package mimemsg

// Tier entry points for TestTiersAgree.

// ParseStdTier parses with the standard-library tier only; ok is false when
// it hands the message on.
func ParseStdTier(b []byte) (Parsed, bool) {
	root, ok := stdTree(b)
	if !ok {
		return Parsed{}, false
	}
	return build(root, stdHeaders(root.Header), Options{}, 0, true)
}

// ParseEnmimeTier parses with enmime only: raw content decoded here, or
// enmime's own decoding when that is needed.
func ParseEnmimeTier(b []byte) (Parsed, error) {
	out, ok, err := parseEnmime(fastParser, b, Options{}, 0)
	if err == nil && !ok {
		out, _, err = parseEnmime(slowParser, b, Options{}, 0)
	}
	return out, err
}

// ParseSlowTier parses with enmime's own decoding only.
func ParseSlowTier(b []byte) (Parsed, error) {
	out, _, err := parseEnmime(slowParser, b, Options{}, 0)
	return out, err
}

// SimpleList and GeneralList expose the two address-list readers.
var (
	SimpleList  = simpleList
	GeneralList = generalList
)
