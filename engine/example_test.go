package engine_test

import (
	"fmt"

	"github.com/sendguard/sendguard/engine"
)

func Example() {
	e, err := engine.New(engine.DefaultPolicy())
	if err != nil {
		panic(err)
	}
	v := e.Check(engine.Request{Message: engine.Message{
		From:         &engine.Recipient{EmailAddress: engine.EmailAddress{Address: "a.clinician@nhs.net"}},
		ToRecipients: []engine.Recipient{{EmailAddress: engine.EmailAddress{Address: "J.Example@gmail.com"}}},
		Subject:      "Discharge summary",
		Body:         engine.ItemBody{ContentType: "html", Content: "<p>NHS number <b>943 476</b> 5919</p>"},
	}})
	fmt.Println(v.Action, v.Classification)
	for _, f := range v.Findings {
		fmt.Println(f.Rule, f.Severity, f.Recipients, f.Evidence[0].Masked)
	}
	fmt.Println(v.Findings[0].Fixes[0].Kind, v.Findings[0].Fixes[0].Value)
	// Output:
	// block amber
	// insecure-recipient block [j.example@gmail.com] *** *** 5919
	// personal-account block [j.example@gmail.com] *** *** 5919
	// add-subject-tag [secure]
}

// A server prepares a sender's context once (history, directory, lists)
// and reuses it for every message that sender checks.
func ExampleEngine_Prepare() {
	e, _ := engine.New(engine.DefaultPolicy())
	p := e.Prepare(engine.Context{KnownRecipients: []string{"am.other@nhs.net"}})
	v := e.CheckPrepared(engine.Message{
		From:         &engine.Recipient{EmailAddress: engine.EmailAddress{Address: "a.clinician@nhs.net"}},
		ToRecipients: []engine.Recipient{{EmailAddress: engine.EmailAddress{Address: "an.other@nhs.net"}}},
		Subject:      "Rota",
	}, p)
	fix := v.Findings[0].Fixes[0]
	fmt.Println(v.Action, v.Findings[0].Rule)
	fmt.Println(fix.Kind, fix.Recipients, "->", fix.Value)
	fmt.Println(fix.Label)
	// Output:
	// warn lookalike-recipient
	// replace-recipient [an.other@nhs.net] -> am.other@nhs.net
	// Did you mean am.other@nhs.net?
}

func ExampleParsePolicy() {
	_, err := engine.ParsePolicy([]byte(`{
		"id": "trust-a",
		"thresholds": {"bulkVisibleRecipients": 1},
		"rules": {"lookalike-recipient": {"severity": "loud"}},
		"justifications": ["a", "b", "c", "d"]
	}`))
	for _, fe := range err.(*engine.PolicyError).Errors {
		fmt.Printf("%s: %s\n", fe.Field, fe.Message)
	}
	// Output:
	// thresholds.bulkVisibleRecipients: must be at least 2
	// rules["lookalike-recipient"].severity: must be "warn" or "block"
	// justifications: at most 3
}
