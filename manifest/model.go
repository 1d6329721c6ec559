package manifest

import (
	"strconv"
	"strings"

	"github.com/sendguard/sendguard/addin"
)

// Names both renderings share. The JavaScript side uses the same strings:
// addin/src/ids.js must agree (a test checks it).
const (
	// SendHandler is the function Office.actions.associate registers for
	// OnMessageSend; the manifests name it as the event's action.
	SendHandler = "onMessageSendHandler"
	// RecipientsHandler prefetches recipient history while the user types.
	RecipientsHandler = "onMessageRecipientsChangedHandler"
	// ReviewButton is the task-pane button's id. The send handler passes
	// it as commandId so the Smart Alerts dialog's button opens the pane.
	ReviewButton = "sendguardReviewButton"
	// MinMailbox is the lowest Mailbox requirement set: OnMessageSend
	// (Smart Alerts) needs 1.12, OnMessageRecipientsChanged 1.11. The
	// handler feature-detects 1.14/1.15 for commandId, sendModeOverride
	// and errorMessageMarkdown and degrades to a plain message below them.
	MinMailbox = "1.12"
	// Version is the add-in's version. Bump it with every manifest change:
	// admins reconsent, and Outlook caches manifests by version.
	Version = "1.0.0"
	// Permission is the least that works: the task pane's fixes rewrite the
	// item being composed (move To/Cc to Bcc, replace or remove a
	// recipient, add the subject tag), which needs ReadWriteItem;
	// ReadItem cannot set recipients or the subject, and ReadWriteMailbox
	// would grant access to every item for nothing.
	Permission = "ReadWriteItem"
)

// model is the one description both renderings read.
type model struct {
	Opts        Options
	Name        string
	LongName    string
	Provider    string
	Description string
	// Short description for the unified manifest (at most 80 characters).
	ShortDescription string
	GroupLabel       string
	ButtonLabel      string
	ButtonTooltip    string
	Accent           string
	// URLs, all absolute and under the base URL.
	Addin       string // the add-in's folder, with trailing slash
	Commands    string // commands.html: browser runtimes' event page
	Script      string // launchevent.js: classic Outlook's JavaScript-only runtime
	Taskpane    string
	Support     string
	Privacy     string
	Terms       string
	Icons       []icon // button icons, 16/32/80
	Icon64      string
	Icon128     string
	SendModeXML string
	Events      []event
	// APIResource is the Entra app's Application ID URI, which Office's
	// single sign-on asks a token for: api://HOST/APP-ID.
	APIResource string
}

type icon struct {
	Size int
	URL  string
	// ResID is the XML resource id (at most 32 characters).
	ResID string
}

type event struct {
	// XMLType and JSONType name the event in each manifest.
	XMLType, JSONType string
	Function          string
	// Send is true for the send event, which takes a send mode.
	Send bool
}

// newModel validates the options and builds the description.
func newModel(o Options) (model, error) {
	o, err := o.Validate()
	if err != nil {
		return model{}, err
	}
	base := o.BaseURL + "/addin/"
	m := model{
		Opts:             o,
		Name:             "Sendguard",
		LongName:         "Sendguard: patient data check",
		Provider:         "Sendguard",
		Description:      "Checks each email for patient data before it is sent, warns when it would go to the wrong or an insecure place, and offers one-click fixes.",
		ShortDescription: "Stops patient data leaving by email by mistake.",
		GroupLabel:       "Sendguard",
		ButtonLabel:      "Review",
		ButtonTooltip:    "Check this email for patient data and fix what Sendguard found.",
		Accent:           "#005EB8",
		Addin:            base,
		Commands:         base + "commands.html",
		Script:           addin.ScriptURL(o.BaseURL),
		Taskpane:         base + "taskpane.html",
		Support:          base + "help.html",
		Privacy:          base + "help.html#privacy",
		Terms:            base + "help.html#terms",
		Icon64:           base + "assets/icon-64.png",
		Icon128:          base + "assets/icon-128.png",
		SendModeXML:      strings.ToUpper(o.SendMode[:1]) + o.SendMode[1:],
		APIResource:      "api://" + hostOf(o.BaseURL) + "/" + o.AppID,
		Events: []event{
			{XMLType: "OnMessageSend", JSONType: "messageSending", Function: SendHandler, Send: true},
			{XMLType: "OnMessageRecipientsChanged", JSONType: "messageRecipientsChanged", Function: RecipientsHandler},
		},
	}
	for _, s := range []int{16, 32, 80} {
		m.Icons = append(m.Icons, icon{Size: s, URL: base + "assets/icon-" + strconv.Itoa(s) + ".png", ResID: "Icon." + strconv.Itoa(s)})
	}
	return m, nil
}

// Template accessors for the shared constants.
func (model) Version() string      { return Version }
func (model) Permission() string   { return Permission }
func (model) MinMailbox() string   { return MinMailbox }
func (model) ReviewButton() string { return ReviewButton }

// hostOf is the host (and port) of a validated base URL.
func hostOf(base string) string {
	h := strings.TrimPrefix(base, "https://")
	if i := strings.IndexByte(h, '/'); i >= 0 {
		return h[:i]
	}
	return h
}
