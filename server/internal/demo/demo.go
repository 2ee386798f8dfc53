// Package demo seeds a living demo: a supplier, several buyers with a year of
// history (some of them silent), and prints the demo logins.
package demo

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/rapport/rapport/server/internal/app"
	"github.com/rapport/rapport/server/internal/auth"
	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/account"
	"github.com/rapport/rapport/server/internal/store"
)

// Password is every demo user's password.
const Password = "rapport-demo-2026"

// Login is one demo account.
type Login struct {
	Email, Password, Who string
}

// World is the seeded organizations, users and relationships; each area's seeder
// adds its history to it.
type World struct {
	App      *app.App
	Store    *store.Store
	Now      time.Time // the real "now" the demo is anchored to
	Rand     *rand.Rand
	Supplier account.Org
	// SupplierAdmin (sales management), SupplierSales, SupplierEngineer, SupplierService.
	SupplierAdmin, SupplierSales, SupplierEngineer, SupplierService account.User
	Buyers                                                          []Buyer
}

// Buyer is one customer organization of the demo.
type Buyer struct {
	Org    account.Org
	Admin  account.User // purchasing
	Member account.User // engineering or production
	RelID  string
	// Profile says how this customer behaves: "healthy", "watch", "at_risk", "silent".
	Profile string
}

// Rel returns the relationship as seen by user u.
func (w *World) Rel(b Buyer, u account.User) access.Rel {
	rel := access.Rel{ID: b.RelID, SupplierOrgID: w.Supplier.ID, BuyerOrgID: b.Org.ID, Caller: u.Caller()}
	rel.Side = rel.SideOfOrg(u.OrgID)
	return rel
}

// At sets the store's clock to t for what follows (the demo writes history).
func (w *World) At(t time.Time) { w.Store.SetClock(func() time.Time { return t }) }

// DaysAgo is a time d days before now, at a working hour.
func (w *World) DaysAgo(d int) time.Time {
	t := w.Now.AddDate(0, 0, -d)
	return time.Date(t.Year(), t.Month(), t.Day(), 9+w.Rand.IntN(8), w.Rand.IntN(60), 0, 0, time.UTC)
}

// seeders add each area's history, in registration order.
var seeders []func(ctx context.Context, w *World) error

// register adds an area's seeder; called from init in each area's file.
func register(fn func(ctx context.Context, w *World) error) { seeders = append(seeders, fn) }

const supplierAdminEmail = "anna.berg@nordwerk.example"

// Seed fills an empty database with the demo; on a database that already has
// it, it only returns the logins.
func Seed(ctx context.Context, a *app.App) ([]Login, error) {
	return SeedAt(ctx, a, time.Now().UTC())
}

// SeedAt is Seed with the story ending at now instead of the present moment
// (tests seed at chosen hours of the day with it).
func SeedAt(ctx context.Context, a *app.App, now time.Time) ([]Login, error) {
	logins := []Login{
		{supplierAdminEmail, Password, "supplier admin (Nordwerk Machines, sales management)"},
		{"lars.holm@nordwerk.example", Password, "supplier member (sales)"},
		{"mia.koch@nordwerk.example", Password, "supplier member (service)"},
		{"jonas.weber@contoso-foods.example", Password, "buyer admin (Contoso Foods, healthy)"},
		{"eva.lind@baltic-packaging.example", Password, "buyer admin (Baltic Packaging, watch)"},
		{"omar.said@meridian-pharma.example", Password, "buyer admin (Meridian Pharma, at risk)"},
		{"ruth.ames@harbor-beverages.example", Password, "buyer admin (Harbor Beverages, silent)"},
	}
	if _, _, err := a.Store.UserByEmail(ctx, supplierAdminEmail); err == nil {
		return logins, nil
	}
	w := &World{App: a, Store: a.Store, Now: now.UTC(), Rand: rand.New(rand.NewPCG(2026, 11))}
	defer a.Store.SetClock(time.Now)
	hash, err := auth.HashPassword(Password)
	if err != nil {
		return nil, err
	}
	if err := seedAccounts(ctx, w, hash); err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	for _, seed := range seeders {
		if err := seed(ctx, w); err != nil {
			return nil, err
		}
	}
	return logins, nil
}

func seedAccounts(ctx context.Context, w *World, hash string) error {
	st := w.Store
	w.At(w.DaysAgo(400))
	var err error
	w.Supplier, w.SupplierAdmin, err = st.CreateOrg(ctx, "Nordwerk Machines", account.NewUser{Email: supplierAdminEmail, Name: "Anna Berg", Role: access.RoleAdmin, Department: "management"}, hash)
	if err != nil {
		return err
	}
	add := func(org string, by account.User, email, name, role, dept string) (account.User, error) {
		return st.AddUser(ctx, by.Caller(), org, account.NewUser{Email: email, Name: name, Role: role, Department: dept}, hash)
	}
	if w.SupplierSales, err = add(w.Supplier.ID, w.SupplierAdmin, "lars.holm@nordwerk.example", "Lars Holm", access.RoleMember, "sales"); err != nil {
		return err
	}
	if w.SupplierEngineer, err = add(w.Supplier.ID, w.SupplierAdmin, "tomas.novak@nordwerk.example", "Tomas Novak", access.RoleMember, "engineering"); err != nil {
		return err
	}
	if w.SupplierService, err = add(w.Supplier.ID, w.SupplierAdmin, "mia.koch@nordwerk.example", "Mia Koch", access.RoleMember, "service"); err != nil {
		return err
	}
	buyers := []struct{ org, admin, adminName, member, memberName, dept, profile string }{
		{"Contoso Foods", "jonas.weber@contoso-foods.example", "Jonas Weber", "kim.park@contoso-foods.example", "Kim Park", "production", "healthy"},
		{"Baltic Packaging", "eva.lind@baltic-packaging.example", "Eva Lind", "piotr.nowak@baltic-packaging.example", "Piotr Nowak", "engineering", "watch"},
		{"Meridian Pharma", "omar.said@meridian-pharma.example", "Omar Said", "lena.voss@meridian-pharma.example", "Lena Voss", "production", "at_risk"},
		{"Harbor Beverages", "ruth.ames@harbor-beverages.example", "Ruth Ames", "dan.cole@harbor-beverages.example", "Dan Cole", "engineering", "silent"},
	}
	for i, b := range buyers {
		w.At(w.DaysAgo(380 - i*5))
		org, admin, err := st.CreateOrg(ctx, b.org, account.NewUser{Email: b.admin, Name: b.adminName, Role: access.RoleAdmin, Department: "purchasing"}, hash)
		if err != nil {
			return err
		}
		relID, err := st.CreateRelationship(ctx, w.SupplierSales.Caller(), w.Supplier.ID, org.ID)
		if err != nil {
			return err
		}
		member, err := add(org.ID, admin, b.member, b.memberName, access.RoleMember, b.dept)
		if err != nil {
			return err
		}
		w.Buyers = append(w.Buyers, Buyer{Org: org, Admin: admin, Member: member, RelID: relID, Profile: b.profile})
	}
	return nil
}

// PrintLogins prints the demo accounts for a person to try.
func PrintLogins(w io.Writer, logins []Login, origin string) {
	fmt.Fprintf(w, "\nRapport demo — open %s and sign in with any of these (password %q):\n", origin, Password)
	for _, l := range logins {
		fmt.Fprintf(w, "  %-40s %s\n", l.Email, l.Who)
	}
	fmt.Fprintln(w)
}
