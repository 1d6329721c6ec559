package graphtest

import (
	"fmt"
	"io/fs"
	"net/mail"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/sendguard/sendguard/server/mimemsg"
)

// ReadDir parses every .eml file under dir (recursively) into messages,
// sorted by their Date header (files without one keep their place at the
// end, in name order). Files that do not parse at all are counted in
// skipped, not returned: the corpus holds deliberately broken mail.
func ReadDir(dir string) (msgs []Message, skipped int, err error) {
	var paths []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".eml") {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("graphtest: reading %s: %w", dir, err)
	}
	sort.Strings(paths)
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, 0, fmt.Errorf("graphtest: %s: %w", p, err)
		}
		m, err := mimemsg.ParseBytes(b)
		if err != nil {
			skipped++
			continue
		}
		gm := Message{Message: m}
		for _, h := range m.InternetMessageHeaders {
			switch strings.ToLower(h.Name) {
			case "message-id":
				gm.InternetMessageID = strings.TrimSpace(h.Value)
			case "date":
				if t, err := mail.ParseDate(h.Value); err == nil {
					gm.SentDateTime = t.UTC()
				}
			}
		}
		msgs = append(msgs, gm)
	}
	sort.SliceStable(msgs, func(i, j int) bool {
		a, b := msgs[i].SentDateTime, msgs[j].SentDateTime
		if a.IsZero() || b.IsZero() {
			return !a.IsZero() && b.IsZero()
		}
		return a.Before(b)
	})
	return msgs, skipped, nil
}

// LoadByFrom puts each message into the Sent Items of its From address,
// as the sender's own mailbox would hold it. Messages without a From go to
// fallback. It returns how many were loaded.
func (s *Server) LoadByFrom(msgs []Message, fallback string) int {
	for _, m := range msgs {
		box := fallback
		if m.Message.From != nil && strings.Contains(m.Message.From.EmailAddress.Address, "@") {
			box = m.Message.From.EmailAddress.Address
		}
		s.AddMessage(box, m)
	}
	return len(msgs)
}

// LoadRoundRobin deals the messages out over the given mailboxes in turn,
// so every mailbox gets a similar share. Messages keep their From.
func (s *Server) LoadRoundRobin(msgs []Message, mailboxes []string) int {
	if len(mailboxes) == 0 {
		return 0
	}
	for i, m := range msgs {
		s.AddMessage(mailboxes[i%len(mailboxes)], m)
	}
	return len(msgs)
}

// Copy returns m with a fresh identity (no Message-ID, the given send
// time), for benchmarks that serve the corpus many times over.
func Copy(m Message, sent time.Time) Message {
	m.InternetMessageID = ""
	m.SentDateTime = sent
	return m
}
