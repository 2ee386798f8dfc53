package store

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Orders' lines are read with every order and 50 at a time by every list, and
// encoding/json spent 7 µs per order on them, a quarter of a list's CPU. The
// column is written only by EncodeLines (and migration 0008, with the same
// keys), so fastLines reads exactly that form: an array of flat objects with
// the keys n, p, s, m, q, u, t, string values without escapes and integer
// numbers. Anything else (an escape in a name, whitespace, another key, a
// float) makes it give up, and encoding/json reads the column instead: the fast
// path never decides what a column means, it only skips the reflection when
// the column is in the one form it knows.

// parseLines decodes an orders.lines column.
func parseLines(raw []byte) ([]orderLineJSON, error) {
	if lines, ok := fastLines(raw); ok {
		return lines, nil
	}
	var lines []orderLineJSON
	err := json.Unmarshal(raw, &lines)
	return lines, err
}

// fastLines decodes raw if it is in EncodeLines's form; ok is false otherwise.
func fastLines(raw []byte) (lines []orderLineJSON, ok bool) {
	p := lineParser{b: raw}
	if !p.eat('[') {
		return nil, false
	}
	lines = make([]orderLineJSON, 0, 4)
	if p.eat(']') {
		return lines, p.i == len(p.b)
	}
	for {
		l, ok := p.line()
		if !ok {
			return nil, false
		}
		lines = append(lines, l)
		if p.eat(',') {
			continue
		}
		if p.eat(']') && p.i == len(p.b) {
			return lines, true
		}
		return nil, false
	}
}

type lineParser struct {
	b []byte
	i int
}

func (p *lineParser) eat(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// line reads one {"n":…,"p":"…",…} object. A key given twice is refused
// (encoding/json would keep the last one; EncodeLines never writes it).
func (p *lineParser) line() (l orderLineJSON, ok bool) {
	if !p.eat('{') {
		return l, false
	}
	var seen [len(lineKeys)]bool
	for first := true; ; first = false {
		if p.eat('}') {
			return l, true
		}
		if !first && !p.eat(',') {
			return l, false
		}
		// A key is one of lineKeys: `"k":`.
		if p.i+4 > len(p.b) || p.b[p.i] != '"' || p.b[p.i+2] != '"' || p.b[p.i+3] != ':' {
			return l, false
		}
		key := p.b[p.i+1]
		p.i += 4
		k := strings.IndexByte(lineKeys, key)
		if k < 0 || seen[k] {
			return l, false
		}
		seen[k] = true
		switch key {
		case 'p':
			l.P, ok = p.str()
		case 's':
			l.S, ok = p.str()
		case 'm':
			l.M, ok = p.str()
		case 'n':
			var n int64
			n, ok = p.int()
			l.N = int(n)
			ok = ok && int64(l.N) == n
		case 'q':
			l.Q, ok = p.int()
		case 'u':
			l.U, ok = p.int()
		case 't':
			l.T, ok = p.int()
		}
		if !ok {
			return l, false
		}
	}
}

// lineKeys are orderLineJSON's keys.
const lineKeys = "npsmqut"

// str reads a string without escapes or control characters. Bytes at or
// above 0x80 are taken as they are only when the whole string is valid
// UTF-8 (encoding/json replaces invalid sequences): strconv.Unquote is not
// needed, a check is.
func (p *lineParser) str() (string, bool) {
	if !p.eat('"') {
		return "", false
	}
	start := p.i
	ascii := true
	for ; p.i < len(p.b); p.i++ {
		c := p.b[p.i]
		switch {
		case c == '"':
			s := p.b[start:p.i]
			p.i++
			if !ascii && !utf8.Valid(s) {
				return "", false
			}
			return string(s), true
		case c == '\\' || c < 0x20:
			return "", false
		case c >= 0x80:
			ascii = false
		}
	}
	return "", false
}

// int reads an integer as JSON writes one: an optional minus, no leading
// zeros, no fraction or exponent.
func (p *lineParser) int() (int64, bool) {
	start := p.i
	if p.i < len(p.b) && p.b[p.i] == '-' {
		p.i++
	}
	digits := p.i
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
	}
	n := p.i - digits
	if n == 0 || (n > 1 && p.b[digits] == '0') {
		return 0, false
	}
	if p.i < len(p.b) && (p.b[p.i] == '.' || p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		return 0, false
	}
	v, err := strconv.ParseInt(string(p.b[start:p.i]), 10, 64)
	return v, err == nil
}
