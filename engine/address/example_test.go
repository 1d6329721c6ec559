package address_test

import (
	"fmt"

	"github.com/sendguard/sendguard/engine/address"
)

func ExampleNormalize() {
	for _, raw := range []string{
		`"Dr A Other" <A.Other@NHS.net>`,
		"A.Other@nhs.net (Dr Other)",
		"mailto:a.other@nhs.net?subject=Results",
		"info@Bücher.de",
		"not an address",
	} {
		addr, ok := address.Normalize(raw)
		fmt.Println(addr, ok)
	}
	// Output:
	// a.other@nhs.net true
	// a.other@nhs.net true
	// a.other@nhs.net true
	// info@xn--bcher-kva.de true
	//  false
}

func ExampleInDomains() {
	secure := []string{"nhs.net", ".nhs.uk"}
	fmt.Println(address.InDomains("leeds.nhs.uk", secure), address.InDomains("notnhs.net", secure))
	// Output: true false
}
