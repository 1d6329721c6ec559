package engine

// The message is a subset of Microsoft Graph's v1.0 `message` resource, so
// the auditor can hand Graph JSON straight in and the add-in can build the
// same shape from Office.js. Unknown fields are ignored.

// EmailAddress is Graph's emailAddress: a display name and an address as typed.
type EmailAddress struct {
	// Name is the display name; it may itself contain an address.
	Name string `json:"name"`
	// Address is the address as typed: any case, possibly an IDN or a
	// "Name <addr>" form. The engine normalises it.
	Address string `json:"address"`
}

// Recipient is Graph's recipient wrapper around an EmailAddress.
type Recipient struct {
	EmailAddress EmailAddress `json:"emailAddress"`
}

// ItemBody is Graph's itemBody.
type ItemBody struct {
	// ContentType is "text" or "html" (any case).
	ContentType string `json:"contentType"`
	// Content is the body text or HTML.
	Content string `json:"content"`
}

// Attachment is Graph's fileAttachment, reduced to what the rules need.
type Attachment struct {
	Name        string `json:"name"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
	// ContentBytes is the file's content (base64 in JSON). Optional: callers
	// send it only where the policy asks for attachment content.
	ContentBytes []byte `json:"contentBytes,omitempty"`
	// IsInline marks an inline image or similar.
	IsInline bool `json:"isInline,omitempty"`
}

// Header is Graph's internetMessageHeader.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Message is the Graph-shaped message the engine checks.
type Message struct {
	From          *Recipient  `json:"from,omitempty"`
	Sender        *Recipient  `json:"sender,omitempty"`
	ToRecipients  []Recipient `json:"toRecipients"`
	CcRecipients  []Recipient `json:"ccRecipients"`
	BccRecipients []Recipient `json:"bccRecipients"`
	Subject       string      `json:"subject"`
	Body          ItemBody    `json:"body"`
	// AlternativeBodies is a Sendguard extension: the other alternatives of a
	// multipart/alternative message (Graph exposes only one body; MIME can
	// carry a text and an HTML part that differ). Every one is checked.
	AlternativeBodies      []ItemBody   `json:"alternativeBodies,omitempty"`
	Attachments            []Attachment `json:"attachments,omitempty"`
	InternetMessageHeaders []Header     `json:"internetMessageHeaders,omitempty"`
}

// Context is what the caller knows about the sender's world. The engine
// never fetches anything itself.
type Context struct {
	// KnownRecipients are addresses the sender has emailed before. Absent is
	// not empty: nil (JSON key missing or null) means "no history known" and
	// history rules stay silent; an empty list means "has emailed nobody".
	KnownRecipients []string `json:"knownRecipients"`
	// Directory holds the organisation's own addresses.
	Directory []string `json:"directory,omitempty"`
	// KnownDomains are domains the sender's world uses (for example the
	// domains of a typo-checker's list); lookalike domains are measured
	// against them as well as against the policy's domains.
	KnownDomains []string `json:"knownDomains,omitempty"`
	// DistributionLists maps a list's address to its members' addresses.
	DistributionLists map[string][]string `json:"distributionLists,omitempty"`
}

// Request is one check: a message plus its context.
type Request struct {
	Message Message `json:"message"`
	Context Context `json:"context"`
}
