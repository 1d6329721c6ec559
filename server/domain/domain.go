// Package domain holds the service's vocabulary: tenants, principals,
// stored policies and override events, and the store interfaces the HTTP
// layer depends on. It is the centre of the standard package layout: it
// imports only the standard library and the engine's contracts, never an
// adapter (store, http, auth), so every adapter can depend on it.
package domain

import (
	"context"
	"time"

	"github.com/sendguard/sendguard/engine"
)

// DevTenant is the tenant every request belongs to in --dev mode.
const DevTenant = "dev"

// Principal is the caller, keyed by tenant and object ID as Entra ID keys
// users (tid+oid). UPN is for people reading the audit log; it is never
// used for authorisation.
type Principal struct {
	// TenantID is the Entra ID tenant (tid claim), or DevTenant.
	TenantID string `json:"tid"`
	// ObjectID is the user's object ID in the tenant (oid claim).
	ObjectID string `json:"oid"`
	// UPN is preferred_username, when the token carries one.
	UPN string `json:"upn,omitempty"`
	// Admin is true when the token carries the admin app role.
	Admin bool `json:"-"`
}

// StoredPolicy is one version of a tenant's policy.
type StoredPolicy struct {
	// Version counts PUTs per tenant from 1; 0 is the built-in default.
	Version int64
	// Policy is the document, with Policy.Version set to Version.
	Policy engine.Policy
	// CreatedAt is when the version was written.
	CreatedAt time.Time
	// CreatedBy is who wrote it.
	CreatedBy Principal
}

// PolicyStore keeps every version of every tenant's policy.
type PolicyStore interface {
	// CurrentPolicy returns the tenant's newest policy, or an apierr
	// NotFound error when the tenant has none (callers use the default).
	CurrentPolicy(ctx context.Context, tenant string) (StoredPolicy, error)
	// CurrentPolicyVersion is the newest version number, 0 when none. It is
	// cheap, so engine caches can poll it.
	CurrentPolicyVersion(ctx context.Context, tenant string) (int64, error)
	// PolicyVersion returns one version, or apierr NotFound.
	PolicyVersion(ctx context.Context, tenant string, version int64) (StoredPolicy, error)
	// PutPolicy stores p as the next version. When ifVersion is >= 0 the
	// write happens only if the current version equals it; otherwise it
	// fails with apierr Conflict. The write is one transaction.
	PutPolicy(ctx context.Context, tenant string, p engine.Policy, by Principal, ifVersion int64) (StoredPolicy, error)
	// PolicyHistory lists versions newest first, at most limit of them.
	PolicyHistory(ctx context.Context, tenant string, limit int) ([]StoredPolicy, error)
}

// Event actions: what the user did with a warning.
const (
	EventFixed         = "fixed"
	EventSentAnyway    = "sent-anyway"
	EventFalsePositive = "false-positive"
	EventCancelled     = "cancelled"
)

// Event is one report from the add-in of what a user did with a warning,
// shaped like Purview's audit record for a DLP rule match and its
// ExceptionInfo (override and justification). It never holds content:
// evidence is masked and the message is named by an opaque hash.
type Event struct {
	// ID is assigned by the store; it is also the paging cursor.
	ID int64 `json:"id"`
	// TenantID and the user are who (Purview: OrganizationId, UserId).
	TenantID string `json:"tenantId"`
	UserOID  string `json:"userId"`
	UserUPN  string `json:"userPrincipalName,omitempty"`
	// CreationTime is when the server received the report (UTC).
	CreationTime time.Time `json:"creationTime"`
	// OccurredAt is when the client says it happened, if it said.
	OccurredAt *time.Time `json:"occurredAt,omitempty"`
	// Workload is "Outlook" for the add-in (Purview: Workload).
	Workload string `json:"workload"`
	// Operation is Purview's record operation, always "DlpRuleMatch".
	Operation string `json:"operation"`
	// ExceptionReason is Purview's ExceptionInfo reason: "Override" for
	// sent-anyway, "FalsePositive" for false-positive, empty otherwise.
	ExceptionReason string `json:"exceptionReason,omitempty"`
	// Action is what the user did: fixed, sent-anyway, false-positive,
	// cancelled.
	Action string `json:"action"`
	// Rules are the rule IDs that fired.
	Rules []string `json:"rules"`
	// VerdictAction and Classification are the engine's verdict.
	VerdictAction  string `json:"verdictAction"`
	Classification string `json:"classification"`
	// Policy names the policy that produced the verdict.
	Policy engine.PolicyRef `json:"policy"`
	// Justification is the user's reason for an override (Purview:
	// ExceptionInfo.Justification): one of the policy's justifications or
	// capped free text, checked to carry no identifiers.
	Justification string `json:"justification,omitempty"`
	// Evidence is masked evidence only.
	Evidence []engine.Evidence `json:"evidence"`
	// MessageRef is an opaque hash the add-in computes (for example of the
	// internetMessageId). Never the subject.
	MessageRef string `json:"messageRef,omitempty"`
	// Client describes the add-in's host.
	Client ClientInfo `json:"client"`
}

// ClientInfo describes the host the add-in ran in.
type ClientInfo struct {
	Host         string `json:"host,omitempty"`
	Platform     string `json:"platform,omitempty"`
	Version      string `json:"version,omitempty"`
	AddinVersion string `json:"addinVersion,omitempty"`
}

// EventFilter narrows an event listing. Zero values do not filter.
type EventFilter struct {
	From, To time.Time
	// User matches the object ID or the UPN exactly.
	User   string
	Rule   string
	Action string
	// Before is the paging cursor: only events with ID < Before.
	Before int64
	// Limit caps the page (the store clamps it).
	Limit int
}

// EventStore keeps override events.
type EventStore interface {
	// AddEvent stores e, setting its ID.
	AddEvent(ctx context.Context, e *Event) error
	// Events lists a tenant's events newest first. next is the cursor for
	// the following page, 0 when there is none.
	Events(ctx context.Context, tenant string, f EventFilter) (events []Event, next int64, err error)
}
