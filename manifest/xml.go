package manifest

import (
	"bytes"
	"encoding/xml"
	"text/template"
)

// XML renders the add-in-only XML manifest (MailApp, VersionOverrides 1.1).
// Every resid is at most 32 characters, as the schema requires.
func XML(o Options) ([]byte, error) {
	m, err := newModel(o)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := xmlTemplate.Execute(&buf, m); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// escape makes a string safe in XML text and attribute values.
func escape(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// The resids: WebViewRuntime.Url is the event runtime's HTML page (the
// browser runtimes) and JSRuntime.Url its JavaScript override (classic
// Outlook on Windows). The LaunchEvent extension point's SourceLocation
// must name the same resid as the Runtime, or Outlook ignores the events.
var xmlTemplate = template.Must(template.New("xml").Funcs(template.FuncMap{"x": escape}).Parse(`<?xml version="1.0" encoding="UTF-8"?>
<!-- Sendguard add-in-only manifest, rendered by "sendguard manifest". Do not edit by hand: re-render it. -->
<OfficeApp xmlns="http://schemas.microsoft.com/office/appforoffice/1.1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:bt="http://schemas.microsoft.com/office/officeappbasictypes/1.0" xmlns:mailappor="http://schemas.microsoft.com/office/mailappversionoverrides/1.0" xsi:type="MailApp">
  <Id>{{x .Opts.AppID}}</Id>
  <Version>{{x .Version}}</Version>
  <ProviderName>{{x .Provider}}</ProviderName>
  <DefaultLocale>en-GB</DefaultLocale>
  <DisplayName DefaultValue="{{x .Name}}"/>
  <Description DefaultValue="{{x .Description}}"/>
  <IconUrl DefaultValue="{{x .Icon64}}"/>
  <HighResolutionIconUrl DefaultValue="{{x .Icon128}}"/>
  <SupportUrl DefaultValue="{{x .Support}}"/>
  <AppDomains>
    <AppDomain>{{x .Opts.BaseURL}}</AppDomain>
  </AppDomains>
  <Hosts>
    <Host Name="Mailbox"/>
  </Hosts>
  <Requirements>
    <Sets>
      <Set Name="Mailbox" MinVersion="1.1"/>
    </Sets>
  </Requirements>
  <FormSettings>
    <Form xsi:type="ItemEdit">
      <DesktopSettings>
        <SourceLocation DefaultValue="{{x .Taskpane}}"/>
      </DesktopSettings>
    </Form>
  </FormSettings>
  <Permissions>{{.Permission}}</Permissions>
  <Rule xsi:type="RuleCollection" Mode="Or">
    <Rule xsi:type="ItemIs" ItemType="Message" FormType="Edit"/>
  </Rule>
  <DisableEntityHighlighting>true</DisableEntityHighlighting>
  <VersionOverrides xmlns="http://schemas.microsoft.com/office/mailappversionoverrides" xsi:type="VersionOverridesV1_0">
    <VersionOverrides xmlns="http://schemas.microsoft.com/office/mailappversionoverrides/1.1" xsi:type="VersionOverridesV1_1">
      <Requirements>
        <bt:Sets DefaultMinVersion="{{.MinMailbox}}">
          <bt:Set Name="Mailbox"/>
        </bt:Sets>
      </Requirements>
      <Hosts>
        <Host xsi:type="MailHost">
          <Runtimes>
            <Runtime resid="WebViewRuntime.Url">
              <Override type="javascript" resid="JSRuntime.Url"/>
            </Runtime>
          </Runtimes>
          <DesktopFormFactor>
            <ExtensionPoint xsi:type="MessageComposeCommandSurface">
              <OfficeTab id="TabDefault">
                <Group id="sendguardComposeGroup">
                  <Label resid="GroupLabel"/>
                  <Control xsi:type="Button" id="{{.ReviewButton}}">
                    <Label resid="ReviewButton.Label"/>
                    <Supertip>
                      <Title resid="ReviewButton.Label"/>
                      <Description resid="ReviewButton.Tooltip"/>
                    </Supertip>
                    <Icon>
{{- range .Icons}}
                      <bt:Image size="{{.Size}}" resid="{{.ResID}}"/>
{{- end}}
                    </Icon>
                    <Action xsi:type="ShowTaskpane">
                      <SourceLocation resid="Taskpane.Url"/>
                    </Action>
                  </Control>
                </Group>
              </OfficeTab>
            </ExtensionPoint>
            <ExtensionPoint xsi:type="LaunchEvent">
              <LaunchEvents>
{{- range .Events}}
                <LaunchEvent Type="{{.XMLType}}" FunctionName="{{.Function}}"{{if .Send}} SendMode="{{$.SendModeXML}}"{{end}}/>
{{- end}}
              </LaunchEvents>
              <SourceLocation resid="WebViewRuntime.Url"/>
            </ExtensionPoint>
          </DesktopFormFactor>
        </Host>
      </Hosts>
      <Resources>
        <bt:Images>
{{- range .Icons}}
          <bt:Image id="{{.ResID}}" DefaultValue="{{x .URL}}"/>
{{- end}}
        </bt:Images>
        <bt:Urls>
          <bt:Url id="Taskpane.Url" DefaultValue="{{x .Taskpane}}"/>
          <bt:Url id="WebViewRuntime.Url" DefaultValue="{{x .Commands}}"/>
          <bt:Url id="JSRuntime.Url" DefaultValue="{{x .Script}}"/>
        </bt:Urls>
        <bt:ShortStrings>
          <bt:String id="GroupLabel" DefaultValue="{{x .GroupLabel}}"/>
          <bt:String id="ReviewButton.Label" DefaultValue="{{x .ButtonLabel}}"/>
        </bt:ShortStrings>
        <bt:LongStrings>
          <bt:String id="ReviewButton.Tooltip" DefaultValue="{{x .ButtonTooltip}}"/>
        </bt:LongStrings>
      </Resources>
      <WebApplicationInfo>
        <Id>{{x .Opts.AppID}}</Id>
        <Resource>{{x .APIResource}}</Resource>
        <Scopes>
          <Scope>openid</Scope>
          <Scope>profile</Scope>
        </Scopes>
      </WebApplicationInfo>
    </VersionOverrides>
  </VersionOverrides>
</OfficeApp>
`))
