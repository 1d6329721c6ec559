package manifest_test

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"

	"github.com/sendguard/sendguard/manifest"
)

// Render the XML manifest for a deployment and look at what starts the
// add-in: the send check with the chosen send mode, and the history
// prefetch.
func ExampleXML() {
	b, err := manifest.XML(manifest.Options{
		BaseURL:  "https://sendguard.example.nhs.uk",
		AppID:    "0f3c2a4e-1b2c-4d5e-8f90-a1b2c3d4e5f6",
		SendMode: manifest.Block,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); strings.HasPrefix(line, "<LaunchEvent ") || strings.Contains(line, `"JSRuntime.Url" DefaultValue`) {
			fmt.Println(line)
		}
	}
	// Output:
	// <LaunchEvent Type="OnMessageSend" FunctionName="onMessageSendHandler" SendMode="Block"/>
	// <LaunchEvent Type="OnMessageRecipientsChanged" FunctionName="onMessageRecipientsChangedHandler"/>
	// <bt:Url id="JSRuntime.Url" DefaultValue="https://sendguard.example.nhs.uk/addin/launchevent.js"/>
}

// Invalid options are refused with every problem named.
func ExampleOptions_Validate() {
	_, err := manifest.Options{BaseURL: "http://sendguard.example", AppID: "sendguard"}.Validate()
	fmt.Println(err)
	// Output:
	// manifest: base URL must use https; app ID must be a GUID like 0f3c2a4e-1b2c-4d5e-8f90-a1b2c3d4e5f6
}
