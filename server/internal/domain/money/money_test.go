package money

import "testing"

func TestParseAndFormatAreExact(t *testing.T) {
	cases := []struct {
		in, cur, out string
		ok           bool
	}{
		{"1250", "EUR", "1250.00", true},
		{"1250.5", "EUR", "1250.50", true},
		{"0.10", "EUR", "0.10", true},
		{"-3.07", "USD", "-3.07", true},
		{"1000", "JPY", "1000", true},
		{"1.005", "KWD", "1.005", true},
		{"1.001", "EUR", "", false},
		{"1.5", "JPY", "", false},
		{"1e3", "EUR", "", false},
		{"+1", "EUR", "", false},
		{"", "EUR", "", false},
		{"1.", "EUR", "", false},
		{" 12 ", "EUR", "12.00", true},
		{"99999999999999999999", "EUR", "", false},
	}
	for _, c := range cases {
		a, err := Parse(c.in, c.cur)
		if (err == nil) != c.ok {
			t.Errorf("Parse(%q, %s) error = %v, want ok=%v", c.in, c.cur, err, c.ok)
			continue
		}
		if c.ok && Format(a, c.cur) != c.out {
			t.Errorf("Format(Parse(%q)) = %q, want %q", c.in, Format(a, c.cur), c.out)
		}
	}
}

func TestArithmeticIsExactAndChecked(t *testing.T) {
	dime, _ := Parse("0.10", "EUR")
	three, err := Mul(dime, 3)
	if err != nil || Format(three, "EUR") != "0.30" {
		t.Fatalf("0.10 × 3 = %s, %v", Format(three, "EUR"), err)
	}
	big, _ := Parse("1234567.89", "EUR")
	total, err := Mul(big, 1_000_000)
	if err != nil || Format(total, "EUR") != "1234567890000.00" {
		t.Fatalf("large product = %s, %v", Format(total, "EUR"), err)
	}
	if _, err := Mul(MaxAmount, 2); err == nil {
		t.Fatal("overflow not detected")
	}
	if _, err := Add(MaxAmount, 1); err == nil {
		t.Fatal("overflow not detected in Add")
	}
	sum, _ := Add(three, three, -dime)
	if Format(sum, "EUR") != "0.50" {
		t.Fatalf("sum = %s", Format(sum, "EUR"))
	}
}
