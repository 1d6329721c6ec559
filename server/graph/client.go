package graph

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	abs "github.com/microsoft/kiota-abstractions-go"
	absauth "github.com/microsoft/kiota-abstractions-go/authentication"
	absser "github.com/microsoft/kiota-abstractions-go/serialization"
	khttp "github.com/microsoft/kiota-http-go"
	jsonser "github.com/microsoft/kiota-serialization-json-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	graphauth "github.com/microsoftgraph/msgraph-sdk-go-core/authentication"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/sendguard/sendguard/engine"
)

// Client talks to Graph. It is safe for concurrent use.
type Client struct {
	cfg      Config
	adapter  *msgraphcore.GraphRequestAdapterBase
	throttle *throttle
}

// Mailbox is one mailbox in scope.
type Mailbox struct {
	// ID is what Graph URLs use for the mailbox: the object id, or the
	// address when the scope was given as addresses.
	ID string
	// Address is the mailbox's SMTP address, lower case.
	Address string
}

// Message is one Sent Items entry from a delta page.
type Message struct {
	// ID is Graph's id; it changes if the message moves folder.
	ID string
	// InternetMessageID is the RFC 5322 Message-ID.
	InternetMessageID string
	SentDateTime      time.Time
	HasAttachments    bool
	// Removed marks an @removed entry: the message left Sent Items. Only
	// ID is set then.
	Removed bool
	// Message is the content in the engine's shape (attachments are
	// fetched separately, see Attachments).
	Message engine.Message
}

// Page is one delta page. Exactly one of NextLink and DeltaLink is set:
// NextLink continues this round, DeltaLink starts the next one.
type Page struct {
	Messages  []Message
	NextLink  string
	DeltaLink string
}

// Error is a Graph error answer.
type Error struct {
	// Status is the HTTP status; Code is Graph's error code.
	Status int
	Code   string
	// Message is Graph's own message. Graph error messages name no
	// message content.
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("graph: %d %s: %s", e.Status, e.Code, e.Message)
}

// IsForbidden reports a mailbox the app may not read (403), which the
// auditor reports and skips.
func IsForbidden(err error) bool {
	var e *Error
	return errors.As(err, &e) && (e.Status == http.StatusForbidden || e.Status == http.StatusNotFound)
}

// IsSyncReset reports an expired or invalid delta token (410 Gone or
// SyncStateNotFound): the round must restart without a token.
func IsSyncReset(err error) bool {
	var e *Error
	return errors.As(err, &e) && (e.Status == http.StatusGone || strings.EqualFold(e.Code, "SyncStateNotFound") || strings.EqualFold(e.Code, "ErrorInvalidUrlQuery"))
}

// staticToken hands Graph a fixed bearer token.
type staticToken struct {
	token string
	hosts absauth.AllowedHostsValidator
}

func (s *staticToken) GetAuthorizationToken(ctx context.Context, u *url.URL, _ map[string]any) (string, error) {
	return s.token, nil
}

func (s *staticToken) GetAllowedHostsValidator() *absauth.AllowedHostsValidator { return &s.hosts }

// New builds a client. It does not contact Graph.
func New(cfg Config) (*Client, error) {
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("graph: SENDGUARD_GRAPH_BASE_URL %q is not a URL", cfg.BaseURL)
	}
	var auth absauth.AuthenticationProvider
	if cfg.Token != "" {
		auth = absauth.NewBaseBearerTokenAuthenticationProvider(&staticToken{token: cfg.Token, hosts: absauth.NewAllowedHostsValidator([]string{base.Host})})
	} else {
		cred, err := credential(cfg)
		if err != nil {
			return nil, err
		}
		scope := base.Scheme + "://" + base.Host + "/.default"
		auth, err = graphauth.NewAzureIdentityAuthenticationProviderWithScopesAndValidHosts(cred, []string{scope}, []string{base.Host})
		if err != nil {
			return nil, fmt.Errorf("graph: %w", err)
		}
	}
	th := newThrottle(cfg)
	opts := msgraphcore.GraphClientOptions{GraphServiceVersion: "v1.0", GraphServiceLibraryVersion: "1.89.0"}
	mws := []khttp.Middleware{th}
	for _, m := range msgraphcore.GetDefaultMiddlewaresWithOptions(&opts) {
		if _, isRetry := m.(*khttp.RetryHandler); isRetry {
			continue
		}
		mws = append(mws, m)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 64
	hc := &http.Client{Transport: khttp.NewCustomTransportWithParentTransport(transport, mws...), Timeout: 2 * time.Minute}
	adapter, err := msgraphcore.NewGraphRequestAdapterBaseWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(auth, opts,
		jsonser.NewJsonParseNodeFactory(), jsonser.NewJsonSerializationWriterFactory(), hc)
	if err != nil {
		return nil, fmt.Errorf("graph: %w", err)
	}
	adapter.SetBaseUrl(cfg.BaseURL)
	return &Client{cfg: cfg, adapter: adapter, throttle: th}, nil
}

type azcoreCredential = azcore.TokenCredential

func credential(cfg Config) (azcoreCredential, error) {
	if cfg.ClientSecret != "" {
		c, err := azidentity.NewClientSecretCredential(cfg.TenantID, cfg.ClientID, cfg.ClientSecret, nil)
		if err != nil {
			return nil, fmt.Errorf("graph: client secret credential: %w", err)
		}
		return c, nil
	}
	data, err := os.ReadFile(cfg.CertPath)
	if err != nil {
		return nil, fmt.Errorf("graph: SENDGUARD_GRAPH_CERT: %w", err)
	}
	var pw []byte
	if cfg.CertPassword != "" {
		pw = []byte(cfg.CertPassword)
	}
	certs, key, err := azidentity.ParseCertificates(data, pw)
	if err != nil {
		return nil, fmt.Errorf("graph: SENDGUARD_GRAPH_CERT %s: %w", cfg.CertPath, err)
	}
	return newCertCredential(cfg, certs, key)
}

func newCertCredential(cfg Config, certs []*x509.Certificate, key crypto.PrivateKey) (azcoreCredential, error) {
	c, err := azidentity.NewClientCertificateCredential(cfg.TenantID, cfg.ClientID, certs, key, nil)
	if err != nil {
		return nil, fmt.Errorf("graph: certificate credential: %w", err)
	}
	return c, nil
}

// Stats reports how often the client backed off.
type Stats struct {
	Retries int64
	Waited  time.Duration
}

// Stats returns the throttling counters.
func (c *Client) Stats() Stats {
	return Stats{Retries: c.throttle.retries.Load(), Waited: time.Duration(c.throttle.waited.Load())}
}

func convertError(err error) error {
	if err == nil {
		return nil
	}
	var oe *odataerrors.ODataError
	if errors.As(err, &oe) {
		e := &Error{Status: oe.ResponseStatusCode}
		if m := oe.GetErrorEscaped(); m != nil {
			e.Code = deref(m.GetCode())
			e.Message = deref(m.GetMessage())
		}
		return e
	}
	var ae *abs.ApiError
	if errors.As(err, &ae) {
		return &Error{Status: ae.ResponseStatusCode, Code: http.StatusText(ae.ResponseStatusCode), Message: ae.Message}
	}
	return fmt.Errorf("graph: %w", err)
}

func deref[T any](p *T) T {
	var z T
	if p == nil {
		return z
	}
	return *p
}

// Mailboxes resolves the configured scope: the listed mailboxes as given,
// a group's members, or every user with a mailbox.
func (c *Client) Mailboxes(ctx context.Context) ([]Mailbox, error) {
	if len(c.cfg.Mailboxes) > 0 {
		out := make([]Mailbox, 0, len(c.cfg.Mailboxes))
		seen := map[string]bool{}
		for _, m := range c.cfg.Mailboxes {
			m = strings.ToLower(m)
			if seen[m] {
				continue
			}
			seen[m] = true
			if strings.Contains(m, "@") {
				out = append(out, Mailbox{ID: m, Address: m})
				continue
			}
			// An object id: the history and the findings need the address.
			u, err := c.users().ByUserId(m).Get(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
				QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: []string{"id", "mail", "userPrincipalName"}},
			})
			addr := m
			if err == nil {
				if a := deref(u.GetMail()); a != "" {
					addr = a
				} else if a := deref(u.GetUserPrincipalName()); a != "" {
					addr = a
				}
			} else if ce := convertError(err); !IsForbidden(ce) {
				return nil, fmt.Errorf("mailbox %s: %w", m, ce)
			}
			// A mailbox the app may not read keeps its id as its name; its
			// sync then reports the 403 and the others go on.
			out = append(out, Mailbox{ID: m, Address: strings.ToLower(addr)})
		}
		return out, nil
	}
	var first absser.Parsable
	var err error
	if c.cfg.Group != "" {
		ri := abs.NewRequestInformationWithMethodAndUrlTemplateAndPathParameters(abs.GET,
			"{+baseurl}/groups/{group%2Did}/members/microsoft.graph.user{?%24top,%24select}",
			map[string]string{"baseurl": c.cfg.BaseURL, "group%2Did": c.cfg.Group})
		ri.QueryParameters["%24top"] = "999"
		ri.QueryParameters["%24select"] = "id,mail,userPrincipalName"
		ri.Headers.TryAdd("Accept", "application/json")
		first, err = c.adapter.Send(ctx, ri, models.CreateUserCollectionResponseFromDiscriminatorValue, abs.ErrorMappings{"XXX": odataerrors.CreateODataErrorFromDiscriminatorValue})
	} else {
		top := int32(999)
		first, err = c.users().Get(ctx, &users.UsersRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.UsersRequestBuilderGetQueryParameters{Top: &top, Select: []string{"id", "mail", "userPrincipalName"}},
		})
	}
	if err != nil {
		return nil, convertError(err)
	}
	it, err := msgraphcore.NewPageIterator[models.Userable](first, c.adapter, models.CreateUserCollectionResponseFromDiscriminatorValue)
	if err != nil {
		return nil, convertError(err)
	}
	var out []Mailbox
	err = it.Iterate(ctx, func(u models.Userable) bool {
		addr := deref(u.GetMail())
		if addr == "" {
			addr = deref(u.GetUserPrincipalName())
		}
		if id := deref(u.GetId()); id != "" && addr != "" {
			out = append(out, Mailbox{ID: id, Address: strings.ToLower(addr)})
		}
		return true
	})
	if err != nil {
		return nil, convertError(err)
	}
	return out, nil
}

// deltaSelect is what the auditor reads: recipients, content and ids.
var deltaSelect = []string{"id", "internetMessageId", "sentDateTime", "hasAttachments", "from", "sender",
	"toRecipients", "ccRecipients", "bccRecipients", "subject", "body", "internetMessageHeaders"}

// DeltaPage fetches one page of a Sent Items delta round. link is "" to
// start from scratch, or a NextLink or DeltaLink from an earlier page.
func (c *Client) DeltaPage(ctx context.Context, mailboxID, link string) (Page, error) {
	headers := abs.NewRequestHeaders()
	headers.Add("Prefer", fmt.Sprintf("odata.maxpagesize=%d", c.cfg.PageSize))
	var b *users.ItemMailFoldersItemMessagesDeltaRequestBuilder
	cfg := &users.ItemMailFoldersItemMessagesDeltaRequestBuilderGetRequestConfiguration{Headers: headers}
	if link != "" && !c.sameOrigin(link) {
		// A link from another Graph endpoint (the base URL changed, or a
		// demo server restarted on a new port) cannot resume anything.
		return Page{}, &Error{Status: http.StatusGone, Code: "SyncStateNotFound", Message: "the stored delta link is for another Graph endpoint"}
	}
	if link == "" {
		b = c.users().ByUserId(mailboxID).MailFolders().ByMailFolderId("sentitems").Messages().Delta()
		cfg.QueryParameters = &users.ItemMailFoldersItemMessagesDeltaRequestBuilderGetQueryParameters{Select: deltaSelect}
	} else {
		b = users.NewItemMailFoldersItemMessagesDeltaRequestBuilder(link, c.adapter)
	}
	resp, err := b.GetAsDeltaGetResponse(ctx, cfg)
	if err != nil {
		return Page{}, convertError(err)
	}
	p := Page{NextLink: deref(resp.GetOdataNextLink()), DeltaLink: deref(resp.GetOdataDeltaLink())}
	for _, m := range resp.GetValue() {
		p.Messages = append(p.Messages, convertMessage(m))
	}
	if p.NextLink == "" && p.DeltaLink == "" {
		return Page{}, &Error{Status: http.StatusBadGateway, Code: "NoLink", Message: "delta page carries neither @odata.nextLink nor @odata.deltaLink"}
	}
	return p, nil
}

func convertMessage(m models.Messageable) Message {
	out := Message{ID: deref(m.GetId())}
	if _, removed := m.GetAdditionalData()["@removed"]; removed {
		out.Removed = true
		return out
	}
	out.InternetMessageID = deref(m.GetInternetMessageId())
	if t := m.GetSentDateTime(); t != nil {
		out.SentDateTime = t.UTC()
	}
	out.HasAttachments = deref(m.GetHasAttachments())
	em := &out.Message
	em.From = recipientPtr(m.GetFrom())
	em.Sender = recipientPtr(m.GetSender())
	em.ToRecipients = recipientList(m.GetToRecipients())
	em.CcRecipients = recipientList(m.GetCcRecipients())
	em.BccRecipients = recipientList(m.GetBccRecipients())
	em.Subject = deref(m.GetSubject())
	if b := m.GetBody(); b != nil {
		em.Body.Content = deref(b.GetContent())
		if ct := b.GetContentType(); ct != nil {
			em.Body.ContentType = ct.String()
		}
	}
	for _, h := range m.GetInternetMessageHeaders() {
		em.InternetMessageHeaders = append(em.InternetMessageHeaders, engine.Header{Name: deref(h.GetName()), Value: deref(h.GetValue())})
	}
	return out
}

func recipient(r models.Recipientable) (engine.Recipient, bool) {
	if r == nil || r.GetEmailAddress() == nil {
		return engine.Recipient{}, false
	}
	e := r.GetEmailAddress()
	return engine.Recipient{EmailAddress: engine.EmailAddress{Name: deref(e.GetName()), Address: deref(e.GetAddress())}}, true
}

func recipientPtr(r models.Recipientable) *engine.Recipient {
	if x, ok := recipient(r); ok {
		return &x
	}
	return nil
}

func recipientList(rs []models.Recipientable) []engine.Recipient {
	out := make([]engine.Recipient, 0, len(rs))
	for _, r := range rs {
		if x, ok := recipient(r); ok {
			out = append(out, x)
		}
	}
	return out
}

// Attachments fetches a message's file attachments (item and reference
// attachments carry no bytes and are listed by name only).
func (c *Client) Attachments(ctx context.Context, mailboxID, messageID string) ([]engine.Attachment, error) {
	resp, err := c.users().ByUserId(mailboxID).Messages().ByMessageId(messageID).Attachments().Get(ctx, nil)
	if err != nil {
		return nil, convertError(err)
	}
	var out []engine.Attachment
	for _, a := range resp.GetValue() {
		ea := engine.Attachment{Name: deref(a.GetName()), ContentType: deref(a.GetContentType()), Size: int64(deref(a.GetSize())), IsInline: deref(a.GetIsInline())}
		if f, ok := a.(models.FileAttachmentable); ok {
			ea.ContentBytes = f.GetContentBytes()
		}
		out = append(out, ea)
	}
	return out, nil
}

// users is the root request builder. It is built from path parameters,
// not a raw URL: a raw URL would pin every child builder to /users.
func (c *Client) users() *users.UsersRequestBuilder {
	return users.NewUsersRequestBuilderInternal(map[string]string{}, c.adapter)
}

// sameOrigin reports whether link points at the configured Graph endpoint.
func (c *Client) sameOrigin(link string) bool {
	u, err := url.Parse(link)
	b, berr := url.Parse(c.cfg.BaseURL)
	return err == nil && berr == nil && strings.EqualFold(u.Scheme, b.Scheme) && strings.EqualFold(u.Host, b.Host)
}
