// Package account holds organizations, users, invitations and the rules for them.
package account

import (
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/errs"
)

// Departments a user can belong to.
var Departments = []string{"sales", "engineering", "production", "service", "purchasing", "finance", "management", "other"}

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

// Org is a company.
type Org struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// User belongs to exactly one organization.
type User struct {
	ID         string    `json:"id"`
	OrgID      string    `json:"org_id"`
	Email      string    `json:"email"`
	Name       string    `json:"name"`
	Role       string    `json:"role"`
	Department string    `json:"department"`
	Active     bool      `json:"active"`
	CreatedAt  time.Time `json:"created_at"`
}

// Caller returns the access identity of the user.
func (u User) Caller() access.Caller {
	return access.Caller{UserID: u.ID, OrgID: u.OrgID, Role: u.Role, Department: u.Department}
}

// NewUser is a request to add a user to an organization.
type NewUser struct {
	Email      string `json:"email"`
	Name       string `json:"name"`
	Password   string `json:"password"`
	Role       string `json:"role"`
	Department string `json:"department"`
}

// Normalize trims and lower-cases what should be.
func (n *NewUser) Normalize() {
	n.Email = NormalizeEmail(n.Email)
	n.Name = strings.TrimSpace(n.Name)
	n.Role = strings.TrimSpace(n.Role)
	n.Department = strings.TrimSpace(n.Department)
	if n.Role == "" {
		n.Role = access.RoleMember
	}
	if n.Department == "" {
		n.Department = "other"
	}
}

// Validate checks a new user.
func (n NewUser) Validate() error {
	var v errs.Validator
	ValidateEmail(&v, "email", n.Email)
	ValidateName(&v, "name", n.Name)
	ValidatePassword(&v, "password", n.Password)
	v.Check(n.Role == access.RoleAdmin || n.Role == access.RoleMember, "role", "must be admin or member")
	v.Check(ValidDepartment(n.Department), "department", "must be one of %s", strings.Join(Departments, ", "))
	return v.Err()
}

// NormalizeEmail trims and lower-cases an address.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidateEmail checks that s is one plain address.
func ValidateEmail(v *errs.Validator, field, s string) {
	if s == "" {
		v.Add(field, "is required")
		return
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || len(s) > 254 || !strings.Contains(s[strings.LastIndexByte(s, '@'):], ".") {
		v.Add(field, "must be a valid email address")
	}
}

// ValidateName checks a person's or company's name.
func ValidateName(v *errs.Validator, field, s string) {
	switch {
	case s == "":
		v.Add(field, "is required")
	case utf8.RuneCountInString(s) > 200:
		v.Add(field, "must be at most 200 characters")
	case strings.ContainsAny(s, "\x00\r\n"):
		v.Add(field, "must be a single line")
	}
}

// ValidatePassword checks a new password's strength.
func ValidatePassword(v *errs.Validator, field, s string) {
	switch {
	case utf8.RuneCountInString(s) < MinPasswordLength:
		v.Add(field, "must be at least %d characters", MinPasswordLength)
	case len(s) > 72:
		v.Add(field, "must be at most 72 bytes")
	}
}

// ValidDepartment reports whether d is a known department.
func ValidDepartment(d string) bool {
	for _, x := range Departments {
		if x == d {
			return true
		}
	}
	return false
}

// NewInvitation is a supplier admin's invitation of a buyer organization.
type NewInvitation struct {
	BuyerOrgName string `json:"buyer_org_name"`
	Email        string `json:"email"`
	Name         string `json:"name"`
}

// Validate checks an invitation request.
func (n *NewInvitation) Validate() error {
	n.BuyerOrgName = strings.TrimSpace(n.BuyerOrgName)
	n.Email = NormalizeEmail(n.Email)
	n.Name = strings.TrimSpace(n.Name)
	var v errs.Validator
	ValidateName(&v, "buyer_org_name", n.BuyerOrgName)
	ValidateEmail(&v, "email", n.Email)
	ValidateName(&v, "name", n.Name)
	return v.Err()
}

// Acceptance completes an invitation.
type Acceptance struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

// Validate checks an acceptance.
func (a *Acceptance) Validate() error {
	a.Name = strings.TrimSpace(a.Name)
	var v errs.Validator
	ValidateName(&v, "name", a.Name)
	ValidatePassword(&v, "password", a.Password)
	return v.Err()
}

// Relationship links a supplier to a buyer, as the caller sees it.
type Relationship struct {
	ID                   string    `json:"id"`
	Supplier             OrgRef    `json:"supplier"`
	Buyer                OrgRef    `json:"buyer"`
	MySide               string    `json:"my_side"`
	LastSeq              int64     `json:"last_seq"`
	SilenceThresholdDays int       `json:"silence_threshold_days"`
	AccountOwnerID       string    `json:"account_owner_id,omitempty"`
	CreatedAt            time.Time `json:"created_at"`
}

// OrgRef names an organization.
type OrgRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}
