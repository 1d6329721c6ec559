package engine

// Actions, in increasing severity. A verdict's action is the most severe
// finding's severity.
const (
	ActionAllow = "allow"
	ActionWarn  = "warn"
	ActionBlock = "block"
)

// Classifications of the message content.
const (
	// Green: nothing identifies a patient.
	Green = "green"
	// Amber: identifiable patient data.
	Amber = "amber"
	// Red: special-category detail tied to an identifiable patient.
	Red = "red"
)

// Fix kinds the add-in can apply.
const (
	FixMoveToBcc        = "move-to-bcc"
	FixReplaceRecipient = "replace-recipient"
	FixRemoveRecipient  = "remove-recipient"
	FixAddSubjectTag    = "add-subject-tag"
)

// Rule IDs. They are stable: policies, stored findings and the add-in use them.
const (
	RuleBulkVisibleRecipients = "bulk-visible-recipients"
	RuleInsecureRecipient     = "insecure-recipient"
	RuleLookalikeRecipient    = "lookalike-recipient"
	RuleNewRecipient          = "new-recipient"
	RuleMultiplePatients      = "multiple-patients"
	RuleUnencryptedAttachment = "unencrypted-attachment"
	RulePersonalAccount       = "personal-account"
	RuleMarketingOptOut       = "marketing-opt-out"
)

// Verdict is the engine's answer. Its JSON form is the contract shared by
// the server, the Worker, the browser module and the add-in, and must be
// byte-for-byte identical across them: keep field order and slice order
// deterministic.
type Verdict struct {
	Action         string    `json:"action"`
	Classification string    `json:"classification"`
	Findings       []Finding `json:"findings"`
	Policy         PolicyRef `json:"policy"`
	Engine         string    `json:"engine"`
}

// PolicyRef names the policy that produced a verdict.
type PolicyRef struct {
	ID      string `json:"id"`
	Version string `json:"version"`
}

// Finding is one rule that fired.
type Finding struct {
	Rule     string `json:"rule"`
	Severity string `json:"severity"`
	// Summary is one line a busy person understands.
	Summary string `json:"summary"`
	// Detail says why this is a risk and which guidance it comes from.
	Detail string `json:"detail"`
	// Recipients are the (normalised) addresses the finding is about, if any.
	Recipients []string   `json:"recipients,omitempty"`
	Evidence   []Evidence `json:"evidence,omitempty"`
	Fixes      []Fix      `json:"fixes,omitempty"`
}

// Evidence is masked: it never carries a whole identifier.
type Evidence struct {
	// Kind is the detector: nhs-number, chi-number, hc-number, nino,
	// date-of-birth, postcode, special-category, attachment, ...
	Kind string `json:"kind"`
	// Field is where it was found: subject, body, attachment:<index>, to, cc.
	Field string `json:"field"`
	// Masked is the evidence with all but a few characters hidden
	// ("*** *** 5919"), or a category name for lexicon hits.
	Masked string `json:"masked"`
}

// Fix is a change the add-in can apply with the item APIs.
type Fix struct {
	Kind string `json:"kind"`
	// Recipients the fix acts on (move-to-bcc, remove-recipient, and the
	// wrong address for replace-recipient).
	Recipients []string `json:"recipients,omitempty"`
	// Value is the tag to add, or the suggested address for replace-recipient.
	Value string `json:"value,omitempty"`
	// Label is the button text.
	Label string `json:"label,omitempty"`
}
