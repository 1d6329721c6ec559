// Package graph is Sendguard's Microsoft Graph client: it lists the
// mailboxes in scope, delta-syncs their Sent Items and fetches
// attachments, through the msgraph SDK (github.com/microsoftgraph/msgraph-sdk-go).
// It keeps Graph's throttling rules itself — at most four concurrent
// requests per mailbox, a per-mailbox request budget, Retry-After on 429,
// 503 and 504 — so callers can simply loop.
//
// It imports only the SDK's users and models packages and
// msgraph-sdk-go-core, never the SDK's root package (which takes ten
// minutes to compile), and nothing under server/ except the engine's
// message types. The engine and wasm/ must never import it.
package graph

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"
)

// DefaultBaseURL is Graph's global v1.0 endpoint.
const DefaultBaseURL = "https://graph.microsoft.com/v1.0"

// Config says where Graph is, how to authenticate and which mailboxes are
// in scope. Every field has a flag and an environment variable (see
// RegisterFlags); docs/graph.md lists them.
type Config struct {
	// BaseURL is Graph's root including the version
	// (SENDGUARD_GRAPH_BASE_URL). Point it at graphtest for tests and demos.
	BaseURL string
	// TenantID, ClientID and ClientSecret or CertPath are the app-only
	// credentials of the Entra ID app registration
	// (SENDGUARD_GRAPH_TENANT_ID, _CLIENT_ID, _CLIENT_SECRET, _CERT).
	TenantID     string
	ClientID     string
	ClientSecret string
	// CertPath is a PEM or PKCS#12 file holding the certificate and its
	// private key (SENDGUARD_GRAPH_CERT); SENDGUARD_GRAPH_CERT_PASSWORD
	// unlocks an encrypted one.
	CertPath     string
	CertPassword string
	// Token is a static bearer token (SENDGUARD_GRAPH_TOKEN) for air-gapped
	// and test use; it wins over the credentials.
	Token string
	// Mailboxes is the audit scope as addresses or object ids
	// (SENDGUARD_MAILBOXES, comma-separated).
	Mailboxes []string
	// Group is a group's object id whose members are the scope
	// (SENDGUARD_MAILBOX_GROUP). With neither, every user is in scope.
	Group string
	// PageSize is the Prefer: odata.maxpagesize asked of delta queries.
	PageSize int
	// MaxPerMailbox caps concurrent requests per mailbox (Exchange allows 4).
	MaxPerMailbox int
	// MailboxBudget is how many requests one mailbox may take per
	// MailboxWindow (Exchange allows 10,000 per 10 minutes per app).
	MailboxBudget int
	MailboxWindow time.Duration
	// GlobalRate caps the whole client's requests per second across all
	// mailboxes, well under Graph's 130,000 requests per 10 seconds per
	// app, so one replica cannot starve the tenant's other Graph apps.
	GlobalRate float64
	// MaxRetries bounds retries of one throttled request.
	MaxRetries int
	// MaxRetryWait caps one Retry-After wait, so a hostile or broken
	// server cannot park the auditor for hours.
	MaxRetryWait time.Duration
}

// Defaults fills unset limits with Graph's published ones.
func (c *Config) Defaults() {
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.PageSize <= 0 {
		c.PageSize = 100
	}
	if c.MaxPerMailbox <= 0 {
		c.MaxPerMailbox = 4
	}
	if c.MailboxBudget <= 0 {
		c.MailboxBudget = 10000
	}
	if c.MailboxWindow <= 0 {
		c.MailboxWindow = 10 * time.Minute
	}
	if c.GlobalRate <= 0 {
		c.GlobalRate = 1000
	}
	if c.MaxRetries <= 0 {
		c.MaxRetries = 8
	}
	if c.MaxRetryWait <= 0 {
		c.MaxRetryWait = 5 * time.Minute
	}
}

// Validate reports a configuration that cannot work, naming the setting.
func (c *Config) Validate() error {
	if !strings.HasPrefix(c.BaseURL, "https://") && !strings.HasPrefix(c.BaseURL, "http://") {
		return fmt.Errorf("graph: SENDGUARD_GRAPH_BASE_URL %q is not an http(s) URL", c.BaseURL)
	}
	if c.Token != "" {
		return nil
	}
	var missing []string
	if c.TenantID == "" {
		missing = append(missing, "SENDGUARD_GRAPH_TENANT_ID")
	}
	if c.ClientID == "" {
		missing = append(missing, "SENDGUARD_GRAPH_CLIENT_ID")
	}
	if c.ClientSecret == "" && c.CertPath == "" {
		missing = append(missing, "SENDGUARD_GRAPH_CLIENT_SECRET or SENDGUARD_GRAPH_CERT")
	}
	if len(missing) > 0 {
		return fmt.Errorf("graph: no credentials: set SENDGUARD_GRAPH_TOKEN, or %s", strings.Join(missing, ", "))
	}
	return nil
}

// FromEnv reads the SENDGUARD_GRAPH_* and SENDGUARD_MAILBOX* variables.
func FromEnv(getenv func(string) string) Config {
	if getenv == nil {
		getenv = os.Getenv
	}
	c := Config{
		BaseURL:      getenv("SENDGUARD_GRAPH_BASE_URL"),
		TenantID:     getenv("SENDGUARD_GRAPH_TENANT_ID"),
		ClientID:     getenv("SENDGUARD_GRAPH_CLIENT_ID"),
		ClientSecret: getenv("SENDGUARD_GRAPH_CLIENT_SECRET"),
		CertPath:     getenv("SENDGUARD_GRAPH_CERT"),
		CertPassword: getenv("SENDGUARD_GRAPH_CERT_PASSWORD"),
		Token:        getenv("SENDGUARD_GRAPH_TOKEN"),
		Mailboxes:    SplitList(getenv("SENDGUARD_MAILBOXES")),
		Group:        getenv("SENDGUARD_MAILBOX_GROUP"),
	}
	c.Defaults()
	return c
}

// RegisterFlags adds the Graph flags to fs, defaulting to c's values (so
// FromEnv then RegisterFlags gives flags over environment over defaults).
// Secrets have no flags: command lines are visible to every local user.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.BaseURL, "graph-base-url", c.BaseURL, "Microsoft Graph base URL (env SENDGUARD_GRAPH_BASE_URL)")
	fs.StringVar(&c.TenantID, "graph-tenant-id", c.TenantID, "Entra ID tenant of the app registration (env SENDGUARD_GRAPH_TENANT_ID)")
	fs.StringVar(&c.ClientID, "graph-client-id", c.ClientID, "application (client) id (env SENDGUARD_GRAPH_CLIENT_ID)")
	fs.StringVar(&c.CertPath, "graph-cert", c.CertPath, "certificate file for app-only auth (env SENDGUARD_GRAPH_CERT)")
	fs.Func("mailboxes", "comma-separated mailboxes to audit (env SENDGUARD_MAILBOXES)", func(s string) error {
		c.Mailboxes = SplitList(s)
		return nil
	})
	fs.StringVar(&c.Group, "mailbox-group", c.Group, "group whose members are audited (env SENDGUARD_MAILBOX_GROUP)")
	fs.IntVar(&c.PageSize, "graph-page-size", c.PageSize, "messages per delta page (Prefer: odata.maxpagesize)")
}

// SplitList splits a comma-separated list, dropping blanks.
func SplitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
