package graphtest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const (
	defaultPageSize = 10
	maxPageSize     = 1000
)

// graphError writes Graph's error envelope.
func graphError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("request-id", "00000000-0000-0000-0000-000000000000")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"code": code, "message": message,
		"innerError": map[string]string{"date": graphTime(time.Now()), "request-id": "00000000-0000-0000-0000-000000000000"},
	}})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8")
	w.Header().Set("OData-Version", "4.0")
	json.NewEncoder(w).Encode(v)
}

// ServeHTTP routes Graph requests under /v1.0.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if r.Method != http.MethodGet {
		graphError(w, http.StatusMethodNotAllowed, "Request_BadRequest", "Only GET is supported by the test server.")
		return
	}
	path, ok := strings.CutPrefix(r.URL.Path, "/v1.0/")
	if !ok {
		graphError(w, http.StatusNotFound, "BadRequest", "Resource not found for the segment.")
		return
	}
	auth := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || tok == "" || (s.token != "" && tok != s.token) {
		graphError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token is empty or invalid.")
		return
	}
	if s.injectFault(w) {
		return
	}
	seg := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(seg) == 1 && seg[0] == "users":
		s.listUsers(w, r, nil)
	case (len(seg) == 3 || len(seg) == 4 && seg[3] == "microsoft.graph.user") && seg[0] == "groups" && seg[2] == "members":
		s.mu.Lock()
		members, ok := s.groups[seg[1]]
		s.mu.Unlock()
		if !ok {
			graphError(w, http.StatusNotFound, "Request_ResourceNotFound", "Resource '"+seg[1]+"' does not exist or one of its queried reference-property objects are not present.")
			return
		}
		s.listUsers(w, r, members)
	case len(seg) >= 2 && seg[0] == "users":
		s.mailboxRoute(w, r, tok, seg[1], seg[2:])
	default:
		graphError(w, http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+seg[0]+"'.")
	}
}

// injectFault answers with a configured 429/503 and reports whether it did.
func (s *Server) injectFault(w http.ResponseWriter) bool {
	s.mu.Lock()
	f := s.faults
	fail := false
	if !f.StormUntil.IsZero() && s.now().Before(f.StormUntil) {
		fail = true
	} else if f.Every > 0 {
		s.faultN++
		fail = s.faultN%int64(f.Every) == 0
	}
	s.mu.Unlock()
	if !fail {
		return false
	}
	s.throttled.Add(1)
	status, ra := f.Status, f.RetryAfter
	if status == 0 {
		status = http.StatusTooManyRequests
	}
	if ra <= 0 {
		ra = 1
	}
	w.Header().Set("Retry-After", strconv.Itoa(ra))
	if status == http.StatusServiceUnavailable {
		graphError(w, status, "ServiceUnavailable", "The service is temporarily unavailable.")
	} else {
		graphError(w, status, "TooManyRequests", "Too many requests.")
	}
	return true
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, only []string) {
	q := r.URL.Query()
	top := pageSize(r, q.Get("$top"))
	skip, _ := strconv.Atoi(q.Get("$skiptoken"))
	s.mu.Lock()
	var all []wUser
	if only == nil {
		for _, mb := range s.order {
			all = append(all, mb.user())
		}
	} else {
		for _, a := range only {
			if mb := s.boxes[strings.ToLower(a)]; mb != nil {
				all = append(all, mb.user())
			}
		}
	}
	s.mu.Unlock()
	if skip < 0 || skip > len(all) {
		skip = len(all)
	}
	end := min(skip+top, len(all))
	out := map[string]any{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users", "value": all[skip:end]}
	if only != nil {
		out["@odata.context"] = "https://graph.microsoft.com/v1.0/$metadata#directoryObjects"
		for i := range all[skip:end] {
			all[skip+i].ODataType = "#microsoft.graph.user"
		}
	}
	if end < len(all) {
		out["@odata.nextLink"] = s.absolute(r.URL.Path, url.Values{"$top": {strconv.Itoa(top)}, "$skiptoken": {strconv.Itoa(end)}})
	}
	writeJSON(w, out)
}

func (mb *mailbox) user() wUser {
	return wUser{ID: mb.id, DisplayName: mb.name, Mail: mb.address, UserPrincipalName: mb.address}
}

// absolute builds an absolute link, as Graph's nextLink and deltaLink are.
func (s *Server) absolute(path string, q url.Values) string {
	base := strings.TrimSuffix(s.baseURL, "/v1.0")
	return base + path + "?" + q.Encode()
}

func pageSize(r *http.Request, top string) int {
	n := defaultPageSize
	for _, p := range r.Header.Values("Prefer") {
		for _, part := range strings.Split(p, ",") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(part), "odata.maxpagesize="); ok {
				if x, err := strconv.Atoi(v); err == nil && x > 0 {
					n = x
				}
			}
		}
	}
	if x, err := strconv.Atoi(top); err == nil && x > 0 {
		n = x
	}
	return min(n, maxPageSize)
}

func (s *Server) mailboxRoute(w http.ResponseWriter, r *http.Request, tok, id string, rest []string) {
	key := strings.ToLower(id)
	s.mu.Lock()
	mb := s.boxes[key]
	forbidden := mb != nil && s.forbidden[mb.address]
	s.mu.Unlock()
	if mb == nil {
		graphError(w, http.StatusNotFound, "ErrorInvalidUser", "The requested user '"+id+"' is invalid.")
		return
	}
	if forbidden {
		s.forbiddenN.Add(1)
		graphError(w, http.StatusForbidden, "ErrorAccessDenied", "Access to OData is disabled: the application is not allowed to access this mailbox.")
		return
	}
	// Exchange counts concurrent requests per app per mailbox and refuses
	// the one over the limit.
	s.mu.Lock()
	if s.active[mb.id] >= s.maxConc {
		s.mu.Unlock()
		s.violations.Add(1)
		w.Header().Set("Retry-After", "1")
		graphError(w, http.StatusTooManyRequests, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.")
		return
	}
	s.active[mb.id]++
	s.mu.Unlock()
	start := time.Now()
	defer func() {
		s.mu.Lock()
		s.active[mb.id]--
		if s.logAccess {
			s.accesses = append(s.accesses, Access{Mailbox: mb.address, Token: tok, Start: start, End: time.Now()})
		}
		s.mu.Unlock()
	}()
	if s.latency > 0 {
		time.Sleep(s.latency)
	}

	switch {
	case len(rest) == 0:
		s.mu.Lock()
		u := mb.user()
		s.mu.Unlock()
		writeJSON(w, u)
		return
	// /messages/{id}/attachments (the whole mailbox) or
	// /mailFolders/sentitems/messages/...
	case len(rest) >= 1 && rest[0] == "messages":
		s.messagesRoute(w, r, mb, rest[1:])
		return
	case len(rest) >= 3 && rest[0] == "mailFolders" && rest[2] == "messages":
		if !strings.EqualFold(rest[1], "sentitems") && rest[1] != sentItemsFolderID {
			graphError(w, http.StatusNotFound, "ErrorItemNotFound", "The specified object was not found in the store.")
			return
		}
		s.messagesRoute(w, r, mb, rest[3:])
		return
	}
	graphError(w, http.StatusBadRequest, "BadRequest", "Resource not found for the segment.")
}

func (s *Server) messagesRoute(w http.ResponseWriter, r *http.Request, mb *mailbox, rest []string) {
	q := r.URL.Query()
	expand := strings.EqualFold(strings.TrimSpace(q.Get("$expand")), "attachments")
	switch {
	case len(rest) == 0:
		s.list(w, r, mb, expand)
	case len(rest) == 1 && (rest[0] == "delta" || rest[0] == "delta()" || rest[0] == "microsoft.graph.delta()" || rest[0] == "microsoft.graph.delta"):
		s.delta(w, r, mb, expand)
	case len(rest) == 1:
		s.mu.Lock()
		st := mb.byID[rest[0]]
		var m wMessage
		if st != nil && !st.gone {
			m = st.wire(parseSelect(q.Get("$select")), expand)
		}
		s.mu.Unlock()
		if st == nil || st.gone {
			graphError(w, http.StatusNotFound, "ErrorItemNotFound", "The specified object was not found in the store.")
			return
		}
		writeJSON(w, m)
	case len(rest) == 2 && rest[1] == "attachments":
		s.mu.Lock()
		st := mb.byID[rest[0]]
		var as []wAttachment
		if st != nil && !st.gone {
			as = st.attachments()
		}
		s.mu.Unlock()
		if st == nil || st.gone {
			graphError(w, http.StatusNotFound, "ErrorItemNotFound", "The specified object was not found in the store.")
			return
		}
		writeJSON(w, map[string]any{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('" + mb.id + "')/messages('" + st.id + "')/attachments", "value": as})
	default:
		graphError(w, http.StatusBadRequest, "BadRequest", "Resource not found for the segment.")
	}
}

// list is the plain Sent Items listing, paged by $top and $skip.
func (s *Server) list(w http.ResponseWriter, r *http.Request, mb *mailbox, expand bool) {
	q := r.URL.Query()
	top := pageSize(r, q.Get("$top"))
	skip, _ := strconv.Atoi(q.Get("$skip"))
	sel := parseSelect(q.Get("$select"))
	s.mu.Lock()
	var page []wMessage
	n, more := 0, false
	for _, st := range mb.msgs {
		if st.gone {
			continue
		}
		if n >= skip {
			if len(page) == top {
				more = true
				break
			}
			page = append(page, st.wire(sel, expand))
		}
		n++
	}
	s.mu.Unlock()
	out := map[string]any{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('" + mb.id + "')/mailFolders('sentitems')/messages", "value": nonNil(page)}
	if more {
		nq := url.Values{"$top": {strconv.Itoa(top)}, "$skip": {strconv.Itoa(skip + top)}}
		if v := q.Get("$select"); v != "" {
			nq.Set("$select", v)
		}
		out["@odata.nextLink"] = s.absolute(r.URL.Path, nq)
	}
	writeJSON(w, out)
}

func nonNil(p []wMessage) []wMessage {
	if p == nil {
		return []wMessage{}
	}
	return p
}

// deltaState is what Graph hides in its opaque $skiptoken and $deltatoken:
// here, the window of change sequence numbers (From, To], the last one
// served (After), and the query's $select.
type deltaState struct {
	From   int64  `json:"f"`
	To     int64  `json:"t"`
	After  int64  `json:"a"`
	Select string `json:"s,omitempty"`
	Expand bool   `json:"x,omitempty"`
}

func encodeState(st deltaState) string {
	b, _ := json.Marshal(st)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeState(tok string) (deltaState, bool) {
	var st deltaState
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || json.Unmarshal(b, &st) != nil || st.From < 0 || st.To < st.From || st.After < st.From || st.After > st.To {
		return deltaState{}, false
	}
	return st, true
}

// delta serves a round of changes. A round's window is fixed when it
// starts, so messages added or deleted mid-round land in the next round,
// and paging is by sequence number, so nothing shifts between pages.
func (s *Server) delta(w http.ResponseWriter, r *http.Request, mb *mailbox, expand bool) {
	q := r.URL.Query()
	var st deltaState
	switch {
	case q.Get("$skiptoken") != "":
		var ok bool
		if st, ok = decodeState(q.Get("$skiptoken")); !ok {
			graphError(w, http.StatusBadRequest, "ErrorInvalidUrlQuery", "The skip token is invalid.")
			return
		}
	case q.Get("$deltatoken") != "":
		d, ok := decodeState(q.Get("$deltatoken"))
		if !ok {
			graphError(w, http.StatusGone, "SyncStateNotFound", "The sync state is invalid or expired; restart the sync without a token.")
			return
		}
		s.mu.Lock()
		st = deltaState{From: d.To, To: s.seq, After: d.To, Select: d.Select, Expand: d.Expand}
		s.mu.Unlock()
	default:
		s.mu.Lock()
		st = deltaState{To: s.seq, Select: q.Get("$select"), Expand: expand}
		s.mu.Unlock()
	}
	top := pageSize(r, q.Get("$top"))
	sel := parseSelect(st.Select)
	var page []wMessage
	last := st.To
	s.mu.Lock()
	for _, m := range mb.msgs {
		if m.seq <= st.After || m.seq > st.To {
			continue
		}
		if len(page) == top {
			break
		}
		last = m.seq
		if m.gone {
			// A message added and deleted before the client first saw it
			// never shows up in an initial sync.
			if st.From > 0 {
				page = append(page, wMessage{ODataType: "#microsoft.graph.message", ID: m.id, Removed: &wRemoved{Reason: "deleted"}})
			}
			continue
		}
		page = append(page, m.wire(sel, st.Expand))
	}
	more := false
	for _, m := range mb.msgs {
		if m.seq > last && m.seq <= st.To {
			more = true
			break
		}
	}
	s.mu.Unlock()
	out := map[string]any{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(message)", "value": nonNil(page)}
	if more {
		st.After = last
		out["@odata.nextLink"] = s.absolute(r.URL.Path, url.Values{"$skiptoken": {encodeState(st)}})
	} else {
		out["@odata.deltaLink"] = s.absolute(r.URL.Path, url.Values{"$deltatoken": {encodeState(deltaState{From: st.To, To: st.To, After: st.To, Select: st.Select, Expand: st.Expand})}})
	}
	if p := r.Header.Get("Prefer"); strings.Contains(p, "odata.maxpagesize") {
		w.Header().Set("Preference-Applied", "odata.maxpagesize="+strconv.Itoa(top))
	}
	writeJSON(w, out)
}
