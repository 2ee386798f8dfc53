package testutil

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/rapport/rapport/server/internal/auth"
	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/account"
)

// Actor is a seeded user with a ready access token.
type Actor struct {
	User  account.User
	Token string
}

// Caller returns the actor's access identity.
func (a Actor) Caller() access.Caller { return a.User.Caller() }

// Party is an organization with an admin and a member.
type Party struct {
	Org    account.Org
	Admin  Actor
	Member Actor
}

// Fixture is the standard cast of the access tests: one supplier with two buyers
// (A and B) and an unrelated supplier with its own buyer.
type Fixture struct {
	Supplier Party
	BuyerA   Party
	BuyerB   Party
	Outsider Party // an unrelated supplier
	OutBuyer Party // the outsider's buyer
	RelA     string
	RelB     string
	RelOut   string
	Password string
}

var seq atomic.Int64

// Seed creates the Fixture's organizations, users and relationships.
func (s *Server) Seed() *Fixture {
	t := s.T
	t.Helper()
	n := seq.Add(1)
	f := &Fixture{Password: "correct-horse-battery"}
	f.Supplier = s.Party(fmt.Sprintf("Supplier %d", n), "sales")
	f.BuyerA = s.Party(fmt.Sprintf("Buyer A %d", n), "purchasing")
	f.BuyerB = s.Party(fmt.Sprintf("Buyer B %d", n), "purchasing")
	f.Outsider = s.Party(fmt.Sprintf("Outsider %d", n), "sales")
	f.OutBuyer = s.Party(fmt.Sprintf("Outsider's buyer %d", n), "purchasing")
	f.RelA = s.Relate(f.Supplier, f.BuyerA)
	f.RelB = s.Relate(f.Supplier, f.BuyerB)
	f.RelOut = s.Relate(f.Outsider, f.OutBuyer)
	return f
}

// Party creates an organization with an admin and a member of department dept.
func (s *Server) Party(name, dept string) Party {
	t := s.T
	t.Helper()
	ctx := context.Background()
	hash, err := auth.HashPassword("correct-horse-battery")
	if err != nil {
		t.Fatal(err)
	}
	n := seq.Add(1)
	org, admin, err := s.Store.CreateOrg(ctx, name, account.NewUser{
		Email: fmt.Sprintf("admin%d@org%d.test", n, n), Name: "Admin of " + name, Role: access.RoleAdmin, Department: "management"}, hash)
	if err != nil {
		t.Fatalf("create org: %v", err)
	}
	member, err := s.Store.AddUser(ctx, admin.Caller(), org.ID, account.NewUser{
		Email: fmt.Sprintf("member%d@org%d.test", n, n), Name: "Member of " + name, Role: access.RoleMember, Department: dept}, hash)
	if err != nil {
		t.Fatalf("add member: %v", err)
	}
	return Party{Org: org, Admin: s.Actor(admin), Member: s.Actor(member)}
}

// Actor issues an access token for u.
func (s *Server) Actor(u account.User) Actor {
	tok, err := s.Tokens.Issue(u.Caller())
	if err != nil {
		s.T.Fatal(err)
	}
	return Actor{User: u, Token: tok}
}

// Relate creates a relationship between a supplier and a buyer.
func (s *Server) Relate(supplier, buyer Party) string {
	id, err := s.Store.CreateRelationship(context.Background(), supplier.Admin.Caller(), supplier.Org.ID, buyer.Org.ID)
	if err != nil {
		s.T.Fatalf("relate: %v", err)
	}
	return id
}

// AddActor adds another user to a party's organization.
func (s *Server) AddActor(p Party, role, dept string) Actor {
	t := s.T
	t.Helper()
	n := seq.Add(1)
	hash, _ := auth.HashPassword("correct-horse-battery")
	u, err := s.Store.AddUser(context.Background(), p.Admin.Caller(), p.Org.ID, account.NewUser{
		Email: fmt.Sprintf("user%d@extra.test", n), Name: fmt.Sprintf("User %d", n), Role: role, Department: dept}, hash)
	if err != nil {
		t.Fatalf("add user: %v", err)
	}
	return s.Actor(u)
}

// Rel returns the relationship as u sees it, for store-level tests.
func (f *Fixture) Rel(relID string, p Party, a Actor) access.Rel {
	rel := access.Rel{ID: relID, Caller: a.Caller()}
	switch relID {
	case f.RelA:
		rel.SupplierOrgID, rel.BuyerOrgID = f.Supplier.Org.ID, f.BuyerA.Org.ID
	case f.RelB:
		rel.SupplierOrgID, rel.BuyerOrgID = f.Supplier.Org.ID, f.BuyerB.Org.ID
	case f.RelOut:
		rel.SupplierOrgID, rel.BuyerOrgID = f.Outsider.Org.ID, f.OutBuyer.Org.ID
	}
	rel.Side = rel.SideOfOrg(p.Org.ID)
	return rel
}
