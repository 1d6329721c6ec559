package manifest

import "encoding/json"

// UnifiedSchemaVersion is the unified manifest schema version rendered.
// The tests validate against the copy @microsoft/app-manifest ships.
const UnifiedSchemaVersion = "1.24"

// Ids of the unified manifest's runtimes and the task pane action.
const (
	eventRuntimeID    = "SendguardEventRuntime"
	taskpaneRuntimeID = "SendguardTaskpaneRuntime"
	taskpaneActionID  = "SendguardOpenTaskpane"
)

// JSON renders the unified manifest for Microsoft 365. Its icons.color and
// icons.outline name files in the app package (color.png, outline.png),
// which `sendguard manifest --out` writes next to it.
func JSON(o Options) ([]byte, error) {
	m, err := newModel(o)
	if err != nil {
		return nil, err
	}
	mailbox := []capability{{Name: "Mailbox", MinVersion: MinMailbox}}
	icons := make([]jsonIcon, len(m.Icons))
	for i, ic := range m.Icons {
		icons[i] = jsonIcon{Size: ic.Size, URL: ic.URL}
	}
	var events []jsonEvent
	var actions []jsonAction
	for _, e := range m.Events {
		je := jsonEvent{Type: e.JSONType, ActionID: e.Function}
		if e.Send {
			je.Options = &eventOptions{SendMode: m.Opts.SendMode}
		}
		events = append(events, je)
		actions = append(actions, jsonAction{ID: e.Function, Type: "executeFunction"})
	}
	doc := unified{
		Schema:          "https://developer.microsoft.com/json-schemas/teams/v" + UnifiedSchemaVersion + "/MicrosoftTeams.schema.json",
		ManifestVersion: UnifiedSchemaVersion,
		ID:              m.Opts.AppID,
		Version:         Version,
		Name:            names{Short: m.Name, Full: m.LongName},
		Description:     names{Short: m.ShortDescription, Full: m.Description},
		Developer: developer{
			Name: m.Provider, WebsiteURL: m.Support, PrivacyURL: m.Privacy, TermsOfUseURL: m.Terms,
		},
		Icons:              appIcons{Outline: "outline.png", Color: "color.png"},
		AccentColor:        m.Accent,
		LocalizationInfo:   localization{DefaultLanguageTag: "en-gb"},
		ValidDomains:       []string{hostOf(m.Opts.BaseURL)},
		WebApplicationInfo: webApp{ID: m.Opts.AppID, Resource: m.APIResource},
		Authorization: authorization{Permissions: permissions{ResourceSpecific: []rsc{
			// MailboxItem.ReadWrite.User is the unified manifest's name for
			// ReadWriteItem; see Permission for why it is the least.
			{Name: "MailboxItem.ReadWrite.User", Type: "Delegated"},
		}}},
		Extensions: []extension{{
			Requirements: requirements{Scopes: []string{"mail"}, Capabilities: mailbox},
			Runtimes: []runtime{
				{
					Requirements: &requirements{Capabilities: mailbox},
					ID:           eventRuntimeID, Type: "general",
					Code:     code{Page: m.Commands, Script: m.Script},
					Lifetime: "short",
					Actions:  actions,
				},
				{
					Requirements: &requirements{Capabilities: mailbox},
					ID:           taskpaneRuntimeID, Type: "general",
					Code:     code{Page: m.Taskpane},
					Lifetime: "short",
					Actions:  []jsonAction{{ID: taskpaneActionID, Type: "openPage", Pinnable: true}},
				},
			},
			Ribbons: []ribbon{{
				Contexts: []string{"mailCompose"},
				Tabs: []tab{{
					BuiltInTabID: "TabDefault",
					Groups: []group{{
						ID: "sendguardComposeGroup", Label: m.GroupLabel, Icons: icons,
						Controls: []control{{
							// The id is what the send handler passes as
							// commandId, as in the XML manifest.
							ID: ReviewButton, Type: "button", Label: m.ButtonLabel, Icons: icons,
							Supertip: supertip{Title: m.ButtonLabel, Description: m.ButtonTooltip},
							ActionID: taskpaneActionID,
						}},
					}},
				}},
			}},
			AutoRunEvents: []autoRun{{
				Requirements: requirements{Scopes: []string{"mail"}, Capabilities: mailbox},
				Events:       events,
			}},
		}},
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// The unified manifest's shape, as far as Sendguard uses it. Field order
// follows the schema's documentation so diffs of rendered files read well.
type (
	unified struct {
		Schema             string        `json:"$schema"`
		ManifestVersion    string        `json:"manifestVersion"`
		ID                 string        `json:"id"`
		Version            string        `json:"version"`
		Name               names         `json:"name"`
		Description        names         `json:"description"`
		Developer          developer     `json:"developer"`
		Icons              appIcons      `json:"icons"`
		AccentColor        string        `json:"accentColor"`
		LocalizationInfo   localization  `json:"localizationInfo"`
		ValidDomains       []string      `json:"validDomains"`
		WebApplicationInfo webApp        `json:"webApplicationInfo"`
		Authorization      authorization `json:"authorization"`
		Extensions         []extension   `json:"extensions"`
	}
	webApp struct {
		ID       string `json:"id"`
		Resource string `json:"resource"`
	}
	names struct {
		Short string `json:"short"`
		Full  string `json:"full"`
	}
	developer struct {
		Name          string `json:"name"`
		WebsiteURL    string `json:"websiteUrl"`
		PrivacyURL    string `json:"privacyUrl"`
		TermsOfUseURL string `json:"termsOfUseUrl"`
	}
	appIcons struct {
		Outline string `json:"outline"`
		Color   string `json:"color"`
	}
	localization struct {
		DefaultLanguageTag string `json:"defaultLanguageTag"`
	}
	authorization struct {
		Permissions permissions `json:"permissions"`
	}
	permissions struct {
		ResourceSpecific []rsc `json:"resourceSpecific"`
	}
	rsc struct {
		Name string `json:"name"`
		Type string `json:"type"`
	}
	capability struct {
		Name       string `json:"name"`
		MinVersion string `json:"minVersion"`
	}
	requirements struct {
		Scopes       []string     `json:"scopes,omitempty"`
		Capabilities []capability `json:"capabilities,omitempty"`
	}
	extension struct {
		Requirements  requirements `json:"requirements"`
		Runtimes      []runtime    `json:"runtimes"`
		Ribbons       []ribbon     `json:"ribbons"`
		AutoRunEvents []autoRun    `json:"autoRunEvents"`
	}
	runtime struct {
		Requirements *requirements `json:"requirements,omitempty"`
		ID           string        `json:"id"`
		Type         string        `json:"type"`
		Code         code          `json:"code"`
		Lifetime     string        `json:"lifetime"`
		Actions      []jsonAction  `json:"actions"`
	}
	code struct {
		Page   string `json:"page"`
		Script string `json:"script,omitempty"`
	}
	jsonAction struct {
		ID       string `json:"id"`
		Type     string `json:"type"`
		Pinnable bool   `json:"pinnable,omitempty"`
	}
	ribbon struct {
		Contexts []string `json:"contexts"`
		Tabs     []tab    `json:"tabs"`
	}
	tab struct {
		BuiltInTabID string  `json:"builtInTabId"`
		Groups       []group `json:"groups"`
	}
	group struct {
		ID       string     `json:"id"`
		Label    string     `json:"label"`
		Icons    []jsonIcon `json:"icons"`
		Controls []control  `json:"controls"`
	}
	control struct {
		ID       string     `json:"id"`
		Type     string     `json:"type"`
		Label    string     `json:"label"`
		Icons    []jsonIcon `json:"icons"`
		Supertip supertip   `json:"supertip"`
		ActionID string     `json:"actionId"`
	}
	jsonIcon struct {
		Size int    `json:"size"`
		URL  string `json:"url"`
	}
	supertip struct {
		Title       string `json:"title"`
		Description string `json:"description"`
	}
	autoRun struct {
		Requirements requirements `json:"requirements"`
		Events       []jsonEvent  `json:"events"`
	}
	jsonEvent struct {
		Type     string        `json:"type"`
		ActionID string        `json:"actionId"`
		Options  *eventOptions `json:"options,omitempty"`
	}
	eventOptions struct {
		SendMode string `json:"sendMode"`
	}
)
