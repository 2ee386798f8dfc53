package forecast

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/rapport/rapport/server/internal/domain/errs"
)

// CSVRow is one data row of an import: a product's quantity for one period.
type CSVRow struct {
	Line     int // the file's line number where the row starts (the header is line 1)
	SKU      string
	Period   string
	Quantity int64
}

// LineError says what is wrong with one line of an import.
type LineError struct {
	Line    int
	Message string
}

// FieldError turns the line error into a validation error entry named "line N".
func (e LineError) FieldError() errs.FieldError {
	return errs.FieldError{Field: fmt.Sprintf("line %d", e.Line), Message: e.Message}
}

// LinesError is the 422 of an import: every bad line, in file order.
func LinesError(lines []LineError) error {
	slices.SortStableFunc(lines, func(a, b LineError) int { return a.Line - b.Line })
	v := &errs.ValidationError{Fields: make([]errs.FieldError, len(lines))}
	for i, l := range lines {
		v.Fields[i] = l.FieldError()
	}
	return v
}

var csvColumns = []string{"sku", "period", "quantity"}

// ParseCSV reads an import file: a header naming the columns sku, period and
// quantity (in any order), then at most maxRows data rows. A UTF-8 byte order
// mark, CRLF line ends, quoted fields and blank lines are accepted; fields are
// trimmed. It checks each row on its own (column count, SKU present, period
// YYYY-MM, quantity a whole number 0..MaxQuantity, no repeated SKU and period)
// and returns the good rows with one LineError per problem. A file that cannot
// be read as such a table at all (no header, wrong columns, broken quoting, too
// many rows) is a validation error naming "file" or "header".
func ParseCSV(data []byte, maxRows int) ([]CSVRow, []LineError, error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1 // the column count is checked per line, to report every bad line
	r.ReuseRecord = true
	cols, err := readHeader(r)
	if err != nil {
		return nil, nil, err
	}
	var (
		rows []CSVRow
		bad  []LineError
		seen = map[[2]string]int{}
	)
	for n := 0; ; n++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			// Broken quoting leaves the rest of the file unreadable: report and stop.
			return nil, append(bad, LineError{Line: line, Message: "is not valid CSV (check the quotes); the file was not read further"}), nil
		}
		line, _ := r.FieldPos(0)
		if n >= maxRows {
			return nil, nil, errs.Invalid("file", "has more than %d rows; split it into several imports", maxRows)
		}
		row, problems := parseRow(rec, cols, line)
		if len(problems) == 0 {
			key := [2]string{row.SKU, row.Period}
			if first, dup := seen[key]; dup {
				problems = append(problems, fmt.Sprintf("repeats sku %s and period %s of line %d", row.SKU, row.Period, first))
			} else {
				seen[key] = line
			}
		}
		for _, p := range problems {
			bad = append(bad, LineError{Line: line, Message: p})
		}
		if len(problems) == 0 {
			rows = append(rows, row)
		}
	}
	if len(rows)+len(bad) == 0 {
		return nil, nil, errs.Invalid("file", "has no data rows after the header %s", strings.Join(csvColumns, ","))
	}
	return rows, bad, nil
}

// readHeader returns the position of sku, period and quantity in the header.
func readHeader(r *csv.Reader) ([3]int, error) {
	var cols [3]int
	rec, err := r.Read()
	if errors.Is(err, io.EOF) {
		return cols, errs.Invalid("file", "is empty; the first line must be the header sku,period,quantity")
	}
	if err != nil {
		return cols, errs.Invalid("header", "is not valid CSV; the first line must be sku,period,quantity")
	}
	if len(rec) != len(csvColumns) {
		return cols, errs.Invalid("header", "must name exactly the columns sku, period and quantity; it has %d columns", len(rec))
	}
	found := map[string]int{}
	for i, name := range rec {
		found[strings.ToLower(strings.TrimSpace(name))] = i
	}
	for i, want := range csvColumns {
		pos, ok := found[want]
		if !ok {
			return cols, errs.Invalid("header", "must name exactly the columns sku, period and quantity; %s is missing", want)
		}
		cols[i] = pos
	}
	return cols, nil
}

// parseRow checks one data record on its own.
func parseRow(rec []string, cols [3]int, line int) (CSVRow, []string) {
	if len(rec) != len(csvColumns) {
		return CSVRow{}, []string{fmt.Sprintf("has %d columns; every row needs 3 (sku,period,quantity)", len(rec))}
	}
	row := CSVRow{Line: line, SKU: strings.TrimSpace(rec[cols[0]]), Period: strings.TrimSpace(rec[cols[1]])}
	var problems []string
	if row.SKU == "" {
		problems = append(problems, "sku is empty")
	} else if len(row.SKU) > 64 || strings.ContainsAny(row.SKU, " ,\t\r\n\"") {
		problems = append(problems, "sku must be at most 64 characters without spaces, commas, quotes or line breaks")
	}
	if _, err := ParsePeriod(row.Period); err != nil {
		problems = append(problems, "period "+err.Error())
	}
	q, msg := parseQuantity(strings.TrimSpace(rec[cols[2]]))
	if msg != "" {
		problems = append(problems, "quantity "+msg)
	}
	row.Quantity = q
	return row, problems
}

// parseQuantity reads a whole, non-negative quantity within MaxQuantity.
func parseQuantity(s string) (int64, string) {
	if s == "" {
		return 0, "is empty"
	}
	if strings.HasPrefix(s, "-") {
		return 0, fmt.Sprintf("%q is negative", s)
	}
	if !allDigits(strings.TrimPrefix(s, "+")) {
		return 0, fmt.Sprintf("%q is not a whole number", clip(s))
	}
	q, err := strconv.ParseInt(strings.TrimPrefix(s, "+"), 10, 64)
	if err != nil || q > MaxQuantity {
		return 0, fmt.Sprintf("%q is larger than %d", clip(s), MaxQuantity)
	}
	return q, ""
}

// clip keeps echoed input short in messages.
func clip(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}

// ImportedRevision summarises one revision written by an import.
type ImportedRevision struct {
	ID        string `json:"id"`
	ProductID string `json:"product_id"`
	SKU       string `json:"sku"`
	Revision  int    `json:"revision"`
	Periods   int    `json:"periods"`
}

// ImportResult is what an import wrote: one revision per product.
type ImportResult struct {
	Rows  int                `json:"rows"`
	Items []ImportedRevision `json:"items"`
}
