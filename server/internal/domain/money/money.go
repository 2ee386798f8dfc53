// Package money does exact money arithmetic in integer minor units (cents):
// never float64. Amounts travel in JSON as decimal strings with their currency.
package money

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Amount is a quantity of minor units of some currency.
type Amount int64

// MaxAmount bounds every stored amount (about 92 trillion in a 2-decimal currency).
const MaxAmount = Amount(math.MaxInt64 / 100)

// currencies maps the ISO 4217 codes we accept to their minor-unit exponent.
var currencies = map[string]int{
	"EUR": 2, "USD": 2, "GBP": 2, "CHF": 2, "SEK": 2, "NOK": 2, "DKK": 2, "PLN": 2, "CZK": 2, "HUF": 2,
	"CAD": 2, "AUD": 2, "NZD": 2, "CNY": 2, "INR": 2, "BRL": 2, "MXN": 2, "ZAR": 2, "SGD": 2, "HKD": 2,
	"JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "KWD": 3, "BHD": 3, "TRY": 2, "RON": 2, "ILS": 2, "AED": 2,
}

// ValidCurrency reports whether code is a supported ISO 4217 currency.
func ValidCurrency(code string) bool { _, ok := currencies[code]; return ok }

// Exponent returns the number of decimals of a currency (2 when unknown).
func Exponent(code string) int {
	if e, ok := currencies[code]; ok {
		return e
	}
	return 2
}

// ErrInvalid is returned for amounts that are not plain decimals in range.
var ErrInvalid = errors.New("must be a decimal amount such as \"1250.00\"")

// Parse reads a decimal string ("1250", "1250.5", "1250.50") in currency into minor
// units. More decimals than the currency has, signs other than a leading '-',
// exponents and values beyond MaxAmount are rejected.
func Parse(s, currency string) (Amount, error) {
	s = strings.TrimSpace(s)
	exp := Exponent(currency)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || len(whole) > 17 || (hasDot && (frac == "" || len(frac) > exp)) || !digits(whole) || !digits(frac) {
		return 0, ErrInvalid
	}
	frac += strings.Repeat("0", exp-len(frac))
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || Amount(n) > MaxAmount {
		return 0, ErrInvalid
	}
	if neg {
		n = -n
	}
	return Amount(n), nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Format writes minor units as a decimal string in currency: 125000 EUR → "1250.00".
func Format(a Amount, currency string) string {
	exp := Exponent(currency)
	neg := a < 0
	u := uint64(a)
	if neg {
		u = uint64(-a)
	}
	s := strconv.FormatUint(u, 10)
	if exp > 0 {
		if len(s) <= exp {
			s = strings.Repeat("0", exp-len(s)+1) + s
		}
		s = s[:len(s)-exp] + "." + s[len(s)-exp:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// Mul multiplies an amount by a quantity, failing on overflow beyond MaxAmount.
func Mul(a Amount, qty int64) (Amount, error) {
	r := new(big.Int).Mul(big.NewInt(int64(a)), big.NewInt(qty))
	if !r.IsInt64() || Amount(r.Int64()) > MaxAmount || Amount(r.Int64()) < -MaxAmount {
		return 0, fmt.Errorf("amount overflow: %d × %d", a, qty)
	}
	return Amount(r.Int64()), nil
}

// Add adds amounts, failing on overflow beyond MaxAmount.
func Add(xs ...Amount) (Amount, error) {
	var sum Amount
	for _, x := range xs {
		if (x > 0 && sum > MaxAmount-x) || (x < 0 && sum < -MaxAmount-x) {
			return 0, fmt.Errorf("amount overflow")
		}
		sum += x
	}
	return sum, nil
}
