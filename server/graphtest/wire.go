package graphtest

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/sendguard/sendguard/engine"
)

// The wire types follow Graph's CSDL (corpora/graph/graph_message_schema.yaml):
// names, nesting and types (DateTimeOffset as RFC 3339 UTC, Binary as
// base64, Int32 size). Pointers with omitempty let $select leave fields out.

type wEmailAddress struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

type wRecipient struct {
	EmailAddress wEmailAddress `json:"emailAddress"`
}

type wItemBody struct {
	ContentType string `json:"contentType"`
	Content     string `json:"content"`
}

type wHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type wFlag struct {
	FlagStatus string `json:"flagStatus"`
}

type wRemoved struct {
	Reason string `json:"reason"`
}

type wMessage struct {
	ODataType                  string         `json:"@odata.type,omitempty"`
	ODataETag                  string         `json:"@odata.etag,omitempty"`
	ID                         string         `json:"id"`
	Removed                    *wRemoved      `json:"@removed,omitempty"`
	CreatedDateTime            *string        `json:"createdDateTime,omitempty"`
	LastModifiedDateTime       *string        `json:"lastModifiedDateTime,omitempty"`
	ChangeKey                  *string        `json:"changeKey,omitempty"`
	Categories                 *[]string      `json:"categories,omitempty"`
	ReceivedDateTime           *string        `json:"receivedDateTime,omitempty"`
	SentDateTime               *string        `json:"sentDateTime,omitempty"`
	HasAttachments             *bool          `json:"hasAttachments,omitempty"`
	InternetMessageID          *string        `json:"internetMessageId,omitempty"`
	Subject                    *string        `json:"subject,omitempty"`
	BodyPreview                *string        `json:"bodyPreview,omitempty"`
	Importance                 *string        `json:"importance,omitempty"`
	ParentFolderID             *string        `json:"parentFolderId,omitempty"`
	ConversationID             *string        `json:"conversationId,omitempty"`
	IsDeliveryReceiptRequested *bool          `json:"isDeliveryReceiptRequested,omitempty"`
	IsReadReceiptRequested     *bool          `json:"isReadReceiptRequested,omitempty"`
	IsRead                     *bool          `json:"isRead,omitempty"`
	IsDraft                    *bool          `json:"isDraft,omitempty"`
	WebLink                    *string        `json:"webLink,omitempty"`
	InferenceClassification    *string        `json:"inferenceClassification,omitempty"`
	Body                       *wItemBody     `json:"body,omitempty"`
	Sender                     *wRecipient    `json:"sender,omitempty"`
	From                       *wRecipient    `json:"from,omitempty"`
	ToRecipients               *[]wRecipient  `json:"toRecipients,omitempty"`
	CcRecipients               *[]wRecipient  `json:"ccRecipients,omitempty"`
	BccRecipients              *[]wRecipient  `json:"bccRecipients,omitempty"`
	ReplyTo                    *[]wRecipient  `json:"replyTo,omitempty"`
	Flag                       *wFlag         `json:"flag,omitempty"`
	InternetMessageHeaders     *[]wHeader     `json:"internetMessageHeaders,omitempty"`
	Attachments                *[]wAttachment `json:"attachments,omitempty"`
}

type wAttachment struct {
	ODataType            string  `json:"@odata.type"`
	ID                   string  `json:"id"`
	LastModifiedDateTime string  `json:"lastModifiedDateTime"`
	Name                 string  `json:"name"`
	ContentType          string  `json:"contentType"`
	Size                 int32   `json:"size"`
	IsInline             bool    `json:"isInline"`
	ContentID            *string `json:"contentId"`
	ContentLocation      *string `json:"contentLocation"`
	ContentBytes         string  `json:"contentBytes,omitempty"`
}

type wUser struct {
	ODataType         string `json:"@odata.type,omitempty"`
	ID                string `json:"id"`
	DisplayName       string `json:"displayName"`
	Mail              string `json:"mail"`
	UserPrincipalName string `json:"userPrincipalName"`
}

// defaultSelect is what Graph returns for a message when $select is absent:
// every structural property except internetMessageHeaders and uniqueBody.
var defaultSelect = map[string]bool{
	"createddatetime": true, "lastmodifieddatetime": true, "changekey": true, "categories": true,
	"receiveddatetime": true, "sentdatetime": true, "hasattachments": true, "internetmessageid": true,
	"subject": true, "bodypreview": true, "importance": true, "parentfolderid": true,
	"conversationid": true, "isdeliveryreceiptrequested": true, "isreadreceiptrequested": true,
	"isread": true, "isdraft": true, "weblink": true, "inferenceclassification": true, "body": true,
	"sender": true, "from": true, "torecipients": true, "ccrecipients": true, "bccrecipients": true,
	"replyto": true, "flag": true,
}

func parseSelect(sel string) map[string]bool {
	if strings.TrimSpace(sel) == "" {
		return defaultSelect
	}
	out := map[string]bool{}
	for _, f := range strings.Split(sel, ",") {
		if f = strings.ToLower(strings.TrimSpace(f)); f != "" {
			out[f] = true
		}
	}
	return out
}

func graphTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func recipients(rs []engine.Recipient) *[]wRecipient {
	out := make([]wRecipient, len(rs))
	for i, r := range rs {
		out[i] = wRecipient{EmailAddress: wEmailAddress(r.EmailAddress)}
	}
	return &out
}

func recipientPtr(r *engine.Recipient) *wRecipient {
	if r == nil {
		return nil
	}
	return &wRecipient{EmailAddress: wEmailAddress(r.EmailAddress)}
}

func ptr[T any](v T) *T { return &v }

const sentItemsFolderID = "AQMkADsentitems"

func preview(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 255 {
		return string(r[:255])
	}
	return s
}

// wire renders a stored message with the selected properties.
func (st *stored) wire(sel map[string]bool, expandAttachments bool) wMessage {
	m := st.msg.Message
	w := wMessage{ODataETag: `W/"` + st.id[6:22] + `"`, ID: st.id}
	t := graphTime(st.msg.SentDateTime)
	has := func(f string) bool { return sel[f] }
	if has("createddatetime") {
		w.CreatedDateTime = ptr(t)
	}
	if has("lastmodifieddatetime") {
		w.LastModifiedDateTime = ptr(graphTime(st.added))
	}
	if has("changekey") {
		w.ChangeKey = ptr(st.id[6:22])
	}
	if has("categories") {
		w.Categories = &[]string{}
	}
	if has("receiveddatetime") {
		w.ReceivedDateTime = ptr(t)
	}
	if has("sentdatetime") {
		w.SentDateTime = ptr(t)
	}
	if has("hasattachments") {
		w.HasAttachments = ptr(len(m.Attachments) > 0)
	}
	if has("internetmessageid") {
		w.InternetMessageID = ptr(st.msg.InternetMessageID)
	}
	if has("subject") {
		w.Subject = ptr(m.Subject)
	}
	if has("bodypreview") {
		w.BodyPreview = ptr(preview(m.Body.Content))
	}
	if has("importance") {
		w.Importance = ptr("normal")
	}
	if has("parentfolderid") {
		w.ParentFolderID = ptr(sentItemsFolderID)
	}
	if has("conversationid") {
		w.ConversationID = ptr("AAQk" + st.id[6:30])
	}
	if has("isdeliveryreceiptrequested") {
		w.IsDeliveryReceiptRequested = ptr(false)
	}
	if has("isreadreceiptrequested") {
		w.IsReadReceiptRequested = ptr(false)
	}
	if has("isread") {
		w.IsRead = ptr(true)
	}
	if has("isdraft") {
		w.IsDraft = ptr(false)
	}
	if has("weblink") {
		w.WebLink = ptr("https://outlook.office365.com/owa/?ItemID=" + st.id + "&exvsurl=1&viewmodel=ReadMessageItem")
	}
	if has("inferenceclassification") {
		w.InferenceClassification = ptr("focused")
	}
	if has("body") {
		ct := strings.ToLower(m.Body.ContentType)
		if ct != "html" {
			ct = "text"
		}
		w.Body = &wItemBody{ContentType: ct, Content: m.Body.Content}
	}
	if has("sender") {
		if m.Sender != nil {
			w.Sender = recipientPtr(m.Sender)
		} else {
			w.Sender = recipientPtr(m.From)
		}
	}
	if has("from") {
		w.From = recipientPtr(m.From)
	}
	if has("torecipients") {
		w.ToRecipients = recipients(m.ToRecipients)
	}
	if has("ccrecipients") {
		w.CcRecipients = recipients(m.CcRecipients)
	}
	if has("bccrecipients") {
		w.BccRecipients = recipients(m.BccRecipients)
	}
	if has("replyto") {
		w.ReplyTo = &[]wRecipient{}
	}
	if has("flag") {
		w.Flag = &wFlag{FlagStatus: "notFlagged"}
	}
	if has("internetmessageheaders") {
		hs := make([]wHeader, len(m.InternetMessageHeaders))
		for i, h := range m.InternetMessageHeaders {
			hs[i] = wHeader(h)
		}
		w.InternetMessageHeaders = &hs
	}
	if expandAttachments {
		as := st.attachments()
		w.Attachments = &as
	}
	return w
}

func (st *stored) attachments() []wAttachment {
	out := make([]wAttachment, len(st.msg.Message.Attachments))
	for i, a := range st.msg.Message.Attachments {
		size := a.Size
		if size == 0 {
			size = int64(len(a.ContentBytes))
		}
		if size > 1<<31-1 {
			size = 1<<31 - 1
		}
		out[i] = wAttachment{
			ODataType:            "#microsoft.graph.fileAttachment",
			ID:                   fmt.Sprintf("%s-att-%d", st.id[:20], i),
			LastModifiedDateTime: graphTime(st.added),
			Name:                 a.Name,
			ContentType:          a.ContentType,
			Size:                 int32(size),
			IsInline:             a.IsInline,
			ContentBytes:         base64.StdEncoding.EncodeToString(a.ContentBytes),
		}
	}
	return out
}
