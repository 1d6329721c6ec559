package adapter_test

import (
	"fmt"

	"github.com/sendguard/sendguard/wasm/adapter"
)

// The browser module's contract in two calls: strings in, strings out, and
// errors as the API's envelope rather than exceptions.
func ExampleModule() {
	m, err := adapter.New()
	if err != nil {
		panic(err)
	}
	fmt.Println(m.Check(`{"message":`))
	fmt.Println(m.SetPolicy(`{"id":"trust-a","colour":"red"}`) != "")
	fmt.Printf("%q\n", m.SetPolicy(`{"id":"trust-a","auditOnly":true}`))
	// Output:
	// {"error":{"code":"invalid","message":"malformed JSON: unexpected end of input"}}
	// true
	// ""
}
