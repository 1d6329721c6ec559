package textextract_test

import (
	"fmt"

	"github.com/sendguard/sendguard/engine/textextract"
)

func ExampleHTML() {
	body := `<html><head><style>p{color:red}</style></head><body>` +
		`<p>NHS&nbsp;no: 943 <span style="font-weight:bold">476</span> 59&#49;9</p>` +
		`<table><tr><td>DOB</td><td>12/03/1984</td></tr></table><!-- 9434765919 --></body></html>`
	fmt.Printf("%q\n", textextract.HTML(body))
	// Output:
	// "NHS no: 943 476 5919\nDOB 12/03/1984 "
}

func ExampleText() {
	fmt.Printf("%q\n", textextract.Text("text", "Line one\r\nLine\u00a0two\u200b"))
	// Output:
	// "Line one\nLine two"
}
