// Command netmailscan is the baseline for the CLI benchmark: the simplest
// scanner one could write over a mail directory. It walks the directory,
// parses each file with net/mail, reads the body, and runs one regexp for
// NHS-number-like digits over the headers and body, then prints a count.
// `sendguard check` must be no slower than this over the same files
// (make bench-cli). Standard library only; it is not part of the product.
package main

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
)

var nhsLike = regexp.MustCompile(`\b\d{3}[- ]?\d{3}[- ]?\d{4}\b`)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: netmailscan DIR")
		os.Exit(3)
	}
	files, hits, failed := 0, 0, 0
	err := filepath.WalkDir(os.Args[1], func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		files++
		n, err := scan(path)
		if err != nil {
			failed++
			return nil
		}
		hits += n
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "netmailscan:", err)
		os.Exit(3)
	}
	fmt.Printf("files %d  matches %d  unparsable %d\n", files, hits, failed)
}

func scan(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	m, err := mail.ReadMessage(f)
	if err != nil {
		return 0, err
	}
	body, err := io.ReadAll(m.Body)
	if err != nil {
		return 0, err
	}
	var buf bytes.Buffer
	for k, vs := range m.Header {
		for _, v := range vs {
			buf.WriteString(k)
			buf.WriteString(": ")
			buf.WriteString(v)
			buf.WriteByte('\n')
		}
	}
	buf.Write(body)
	return len(nhsLike.FindAllIndex(buf.Bytes(), -1)), nil
}
