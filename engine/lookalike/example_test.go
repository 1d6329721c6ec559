package lookalike_test

import (
	"fmt"

	"github.com/sendguard/sendguard/engine/lookalike"
)

func ExampleIndex_Lookup() {
	ix := lookalike.New(
		[]string{"am.other@nhs.net", "john.smith@nhs.net"}, // the sender's history and directory, normalised
		[]string{"nhs.net", "gmail.com"},                   // the policy's and the caller's known domains
	)
	for _, typed := range []string{"an.other@nhs.net", "jhon.smith@nhs.net", "new.person@nhs.met", "am.other@nhs.net"} {
		fmt.Println(typed, ix.Lookup(typed))
	}
	// Output:
	// an.other@nhs.net [{am.other@nhs.net keyboard-adjacent 1}]
	// jhon.smith@nhs.net [{john.smith@nhs.net transposition 1}]
	// new.person@nhs.met [{new.person@nhs.net domain-slip 1}]
	// am.other@nhs.net []
}
