package address

import "testing"

func BenchmarkNormalize(b *testing.B) {
	for _, c := range []struct{ name, raw string }{
		{"canonical", "a.other@nhs.net"},
		{"display-name", `"Dr A Other" <A.Other@NHS.net>`},
		{"idn", "info@Bücher.de"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Normalize(c.raw)
			}
		})
	}
}
