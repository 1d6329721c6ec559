package detect_test

import (
	"fmt"

	"github.com/sendguard/sendguard/engine/detect"
)

func ExampleDetector_Identifiers() {
	d, err := detect.Compile(detect.Config{
		IdentifierContext: []string{"nhs", "patient"},
		PhoneContext:      []string{"tel", "phone"},
	})
	if err != nil {
		panic(err)
	}
	text := "Patient NHS no 943 476 5919, DOB 12/03/1984, LS1 4AP. Tel: 404-555-1212."
	for _, h := range d.Identifiers(text) {
		fmt.Println(h.Kind, h.Masked, h.Confidence)
	}
	// Output:
	// nhs-number *** *** 5919 2
	// date-of-birth **/**/1984 2
	// postcode LS1 *** 2
	// nhs-number *** *** 1212 0
}

func ExampleDetector_SpecialCategories() {
	d, err := detect.Compile(detect.Config{
		SpecialCategory: map[string][]string{"sexual-health": {"sexual health", "hiv"}},
	})
	if err != nil {
		panic(err)
	}
	for _, h := range d.SpecialCategories("Seen in the Sexual-Health clinic; HIV test negative. Archive copy.") {
		fmt.Println(h.Category, h.Term)
	}
	// Output:
	// sexual-health sexual health
	// sexual-health hiv
}

func ExampleDetector_Terms() {
	d, err := detect.Compile(detect.Config{
		SpecialCategory: map[string][]string{"mental-health": {"mental health"}},
		Marketing:       []string{"newsletter", "flu clinic"},
		OptOut:          []string{"unsubscribe"},
	})
	if err != nil {
		panic(err)
	}
	t := d.Terms("Our flu clinic newsletter. To unsubscribe reply STOP.")
	fmt.Println(len(t.Special), len(t.Marketing), len(t.OptOut))
	// Output:
	// 0 2 1
}
