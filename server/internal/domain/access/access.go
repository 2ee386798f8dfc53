// Package access describes who is calling and from which side of a relationship;
// every store query for a shared object is scoped by these values.
package access

// Side is a party's position in a relationship.
type Side string

// The two sides of every relationship.
const (
	Supplier Side = "supplier"
	Buyer    Side = "buyer"
)

// Other returns the opposite side.
func (s Side) Other() Side {
	if s == Supplier {
		return Buyer
	}
	return Supplier
}

// Valid reports whether s is one of the two sides.
func (s Side) Valid() bool { return s == Supplier || s == Buyer }

// Roles of a user inside an organization.
const (
	RoleAdmin  = "admin"
	RoleMember = "member"
)

// Caller is the authenticated user making a request.
type Caller struct {
	UserID     string
	OrgID      string
	Role       string
	Department string
}

// IsAdmin reports whether the caller administers their organization.
func (c Caller) IsAdmin() bool { return c.Role == RoleAdmin }

// Rel is a relationship resolved for a caller: it exists and the caller's
// organization is one of its two parties. Handlers never build one by hand.
type Rel struct {
	ID            string
	SupplierOrgID string
	BuyerOrgID    string
	Side          Side // the caller's side
	Caller        Caller
}

// OrgOf returns the organization on the given side.
func (r Rel) OrgOf(s Side) string {
	if s == Supplier {
		return r.SupplierOrgID
	}
	return r.BuyerOrgID
}

// SideOfOrg returns the side of an organization in this relationship, or "".
func (r Rel) SideOfOrg(orgID string) Side {
	switch orgID {
	case r.SupplierOrgID:
		return Supplier
	case r.BuyerOrgID:
		return Buyer
	}
	return ""
}
