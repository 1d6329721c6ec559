package engine

// Policy is data, not code: a versioned document that tenant admins
// override. The embedded default lives in policy/default.json.
type Policy struct {
	// ID names the policy ("default", or the tenant's own name).
	ID string `json:"id"`
	// Version is set by whoever stores the policy (the server bumps it on
	// every PUT). When empty, the engine derives one from the content hash.
	Version string `json:"version,omitempty"`
	// AuditOnly records findings but never warns or blocks: every verdict's
	// action becomes allow while findings keep their severity.
	AuditOnly bool `json:"auditOnly"`
	// FailMode says what the add-in does when the engine or the network
	// fails: "open" lets the mail go, "closed" stops it.
	FailMode string `json:"failMode"`
	// SubjectTag is the tag that asks NHSmail to encrypt ("[secure]"),
	// matched case-insensitively anywhere in the subject.
	SubjectTag string `json:"subjectTag"`
	// EncryptingSenderDomains are the sender domains whose mail system
	// honours SubjectTag (NHSmail: nhs.net). The tag protects nothing from
	// any other sender.
	EncryptingSenderDomains []string `json:"encryptingSenderDomains"`
	// SecureDomains are recipient domains that are secure in transit:
	// nhs.net (subdomains included) plus those admins add from the DCB1596
	// accredited list. A leading "." or none both cover subdomains.
	SecureDomains []string `json:"secureDomains"`
	// InternalDomains are the organisation's own domains. Empty means the
	// sender's own domain.
	InternalDomains []string `json:"internalDomains"`
	// PersonalDomains are consumer webmail domains (gmail.com, ...).
	PersonalDomains []string `json:"personalDomains"`
	// Thresholds tune the rules.
	Thresholds Thresholds `json:"thresholds"`
	// Lexicons are the word lists the detectors use.
	Lexicons Lexicons `json:"lexicons"`
	// Rules switches each rule on or off and sets its severity. A rule
	// missing from the map keeps its built-in setting.
	Rules map[string]RuleSetting `json:"rules"`
	// Attachments says what the add-in reads and what looks like a record.
	Attachments AttachmentPolicy `json:"attachments"`
	// Breach decides which audit findings open a breach record.
	Breach BreachPolicy `json:"breach"`
	// Justifications are the admin-defined reasons offered when a user sends
	// anyway (at most three; free text is always allowed too).
	Justifications []string `json:"justifications"`
}

// RuleSetting is one rule's switch and severity.
type RuleSetting struct {
	// Enabled turns the rule on.
	Enabled bool `json:"enabled"`
	// Severity is "warn" or "block" (the rule's action when it fires).
	Severity string `json:"severity"`
}

// Thresholds tune the rules.
type Thresholds struct {
	// BulkVisibleRecipients is how many external addresses in To+Cc make a
	// bulk-visible warning.
	BulkVisibleRecipients int `json:"bulkVisibleRecipients"`
	// BulkPatientRecipients is how many personal-domain (likely patient)
	// addresses in To+Cc make the rule block.
	BulkPatientRecipients int `json:"bulkPatientRecipients"`
	// MultiplePatients is how many distinct patient identifiers make the
	// multiple-patients rule fire.
	MultiplePatients int `json:"multiplePatients"`
	// ContextWindow is how many characters either side of an identifier are
	// searched for context keywords.
	ContextWindow int `json:"contextWindow"`
}

// Lexicons are the word lists the detectors use. Terms are matched
// case-insensitively on word boundaries.
type Lexicons struct {
	// SpecialCategory maps a category (hiv, sexual-health, mental-health,
	// safeguarding, termination, gender-identity, substance-misuse,
	// genetics, ...) to its terms. A hit with an identifier makes red.
	SpecialCategory map[string][]string `json:"specialCategory"`
	// IdentifierContext words near a number raise confidence (NHS, patient, DOB).
	IdentifierContext []string `json:"identifierContext"`
	// PhoneContext words near a number lower confidence (tel, phone, fax).
	PhoneContext []string `json:"phoneContext"`
	// Marketing terms mark a message as marketing.
	Marketing []string `json:"marketing"`
	// OptOut phrases satisfy PECR's opt-out requirement.
	OptOut []string `json:"optOut"`
}

// AttachmentPolicy says what the add-in reads and what looks like a record.
type AttachmentPolicy struct {
	// ReadContent asks callers to send attachment content for inspection.
	ReadContent bool `json:"readContent"`
	// MaxContentBytes caps how much of each attachment is inspected.
	MaxContentBytes int64 `json:"maxContentBytes"`
	// RecordNamePatterns are case-insensitive substrings of file names that
	// look like patient records (discharge, referral, results, ...).
	RecordNamePatterns []string `json:"recordNamePatterns"`
	// RecordExtensions are extensions of record-like files (.pdf, .docx, ...).
	RecordExtensions []string `json:"recordExtensions"`
}

// BreachPolicy decides which audit findings are likely reportable.
type BreachPolicy struct {
	// MinExposedPatients is how many patients' addresses visible to each
	// other open a breach record.
	MinExposedPatients int `json:"minExposedPatients"`
	// RedInsecure opens a breach record when red data went insecurely.
	RedInsecure bool `json:"redInsecure"`
	// AmberInsecure does the same for amber data.
	AmberInsecure bool `json:"amberInsecure"`
}
