package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/account"
	"github.com/rapport/rapport/server/internal/domain/errs"
	"github.com/rapport/rapport/server/internal/domain/event"
)

type orgRow struct {
	ID        string
	Name      string
	CreatedAt time.Time
}

func (orgRow) TableName() string { return "orgs" }

type userRow struct {
	ID           string
	OrgID        string
	Email        string
	Name         string
	PasswordHash string
	Role         string
	Department   string
	Active       bool
	CreatedAt    time.Time
}

func (userRow) TableName() string { return "users" }

func (u userRow) user() account.User {
	return account.User{ID: u.ID, OrgID: u.OrgID, Email: u.Email, Name: u.Name, Role: u.Role,
		Department: u.Department, Active: u.Active, CreatedAt: u.CreatedAt}
}

type refreshRow struct {
	ID        string
	UserID    string
	FamilyID  string
	TokenHash string
	ExpiresAt time.Time
	CreatedAt time.Time
	UsedAt    *time.Time
	RevokedAt *time.Time
}

func (refreshRow) TableName() string { return "refresh_tokens" }

type invitationRow struct {
	ID            string
	TokenHash     string
	SupplierOrgID string
	InvitedBy     string
	BuyerOrgName  string
	Email         string
	Name          string
	ExpiresAt     time.Time
	AcceptedAt    *time.Time
	CreatedAt     time.Time
}

func (invitationRow) TableName() string { return "invitations" }

// CreateOrg creates an organization and its first admin.
func (s *Store) CreateOrg(ctx context.Context, name string, admin account.NewUser, passwordHash string) (account.Org, account.User, error) {
	org := orgRow{ID: NewID(), Name: name, CreatedAt: s.now()}
	var user userRow
	err := s.write(ctx, "create org", func(t *tx) error {
		if err := t.Create(&org).Error; err != nil {
			return err
		}
		var err error
		user, err = t.insertUser(org.ID, admin, passwordHash)
		return err
	})
	return account.Org{ID: org.ID, Name: org.Name, CreatedAt: org.CreatedAt}, user.user(), err
}

func (t *tx) insertUser(orgID string, nu account.NewUser, passwordHash string) (userRow, error) {
	var n int64
	if err := t.Model(&userRow{}).Where("email = ?", nu.Email).Count(&n).Error; err != nil {
		return userRow{}, err
	}
	if n > 0 {
		return userRow{}, errs.Invalid("email", "is already registered")
	}
	u := userRow{ID: NewID(), OrgID: orgID, Email: nu.Email, Name: nu.Name, PasswordHash: passwordHash,
		Role: nu.Role, Department: nu.Department, Active: true, CreatedAt: t.s.now()}
	return u, t.Create(&u).Error
}

// UserByEmail returns an active user and their password hash, for login.
func (s *Store) UserByEmail(ctx context.Context, email string) (account.User, string, error) {
	var u userRow
	err := s.read(ctx).Where("email = ? AND active = ?", email, true).Take(&u).Error
	return u.user(), u.PasswordHash, mapErr("user by email", err)
}

// UserByID returns an active user.
func (s *Store) UserByID(ctx context.Context, id string) (account.User, error) {
	var u userRow
	err := s.read(ctx).Where("id = ? AND active = ?", id, true).Take(&u).Error
	return u.user(), mapErr("user by id", err)
}

// Org returns an organization by id (the caller's own, for /me).
func (s *Store) Org(ctx context.Context, id string) (account.Org, error) {
	var o orgRow
	err := s.read(ctx).Where("id = ?", id).Take(&o).Error
	return account.Org{ID: o.ID, Name: o.Name, CreatedAt: o.CreatedAt}, mapErr("org", err)
}

// visibleOrg reports whether caller may see orgID: their own, or a partner in a relationship.
func (s *Store) visibleOrg(db *gorm.DB, caller access.Caller, orgID string) (bool, error) {
	if orgID == caller.OrgID {
		return true, nil
	}
	var n int64
	err := db.Model(&relationshipRow{}).
		Where("(supplier_org_id = ? AND buyer_org_id = ?) OR (supplier_org_id = ? AND buyer_org_id = ?)", caller.OrgID, orgID, orgID, caller.OrgID).
		Count(&n).Error
	return n > 0, err
}

// ListUsers lists the users of the caller's organization or of a partner
// organization; any other organization does not exist for the caller.
func (s *Store) ListUsers(ctx context.Context, caller access.Caller, orgID string, p Page) ([]account.User, string, error) {
	db := s.read(ctx)
	ok, err := s.visibleOrg(db, caller, orgID)
	if err != nil {
		return nil, "", mapErr("list users", err)
	}
	if !ok {
		return nil, "", fmt.Errorf("list users: %w", errs.ErrNotFound)
	}
	q := db.Where("org_id = ? AND active = ?", orgID, true)
	var rows []userRow
	if err := p.apply(q, "id").Find(&rows).Error; err != nil {
		return nil, "", mapErr("list users", err)
	}
	rows, next := pageResult(p, rows, func(r userRow) string { return r.ID })
	out := make([]account.User, len(rows))
	for i, r := range rows {
		out[i] = r.user()
		if orgID != caller.OrgID {
			out[i].Email = "" // a partner sees names and departments, not addresses
		}
	}
	return out, next, nil
}

// AddUser adds a user to the caller's organization (admins only) and records a
// user.added event in each of the organization's relationships.
func (s *Store) AddUser(ctx context.Context, caller access.Caller, orgID string, nu account.NewUser, passwordHash string) (account.User, error) {
	if orgID != caller.OrgID {
		ok, err := s.visibleOrg(s.read(ctx), caller, orgID)
		if err != nil {
			return account.User{}, mapErr("add user", err)
		}
		if !ok {
			return account.User{}, fmt.Errorf("add user: %w", errs.ErrNotFound)
		}
		return account.User{}, errs.Forbiddenf("only the organization's own admins add its users")
	}
	if !caller.IsAdmin() {
		return account.User{}, errs.Forbiddenf("only an admin can add users")
	}
	var u userRow
	err := s.write(ctx, "add user", func(t *tx) error {
		var err error
		if u, err = t.insertUser(orgID, nu, passwordHash); err != nil {
			return err
		}
		var rels []relationshipRow
		if err := t.Where("supplier_org_id = ? OR buyer_org_id = ?", orgID, orgID).Find(&rels).Error; err != nil {
			return err
		}
		for _, r := range rels {
			side := access.Buyer
			if r.SupplierOrgID == orgID {
				side = access.Supplier
			}
			ev := event.New(event.UserAdded, "user", u.ID, map[string]any{"name": u.Name, "department": u.Department, "side": side})
			if _, err := t.emit(r.ID, caller, side, ev); err != nil {
				return err
			}
		}
		return nil
	})
	return u.user(), err
}

// SaveRefreshToken stores a refresh token's hash; familyID groups its rotations.
func (s *Store) SaveRefreshToken(ctx context.Context, userID, familyID, hash string, expires time.Time) error {
	row := refreshRow{ID: NewID(), UserID: userID, FamilyID: familyID, TokenHash: hash, ExpiresAt: expires, CreatedAt: s.now()}
	return s.write(ctx, "save refresh token", func(t *tx) error { return t.Create(&row).Error })
}

// ErrRefreshReused reports a rotated refresh token presented again: the family is revoked.
var ErrRefreshReused = errors.New("refresh token reused")

// RotateRefreshToken consumes the token with oldHash and stores newHash in the same
// family. Presenting an already used token revokes the whole family.
func (s *Store) RotateRefreshToken(ctx context.Context, oldHash, newHash string, expires time.Time) (account.User, error) {
	var user userRow
	var reused bool
	err := s.write(ctx, "rotate refresh token", func(t *tx) error {
		var old refreshRow
		if err := t.lockRow(&old, `SELECT * FROM refresh_tokens WHERE token_hash = ?`, oldHash); err != nil {
			return errs.ErrUnauthorized
		}
		now := t.s.now()
		if old.RevokedAt != nil || old.ExpiresAt.Before(now) {
			return errs.ErrUnauthorized
		}
		if old.UsedAt != nil {
			reused = true
			return t.Model(&refreshRow{}).Where("family_id = ? AND revoked_at IS NULL", old.FamilyID).Update("revoked_at", now).Error
		}
		if err := t.Where("id = ? AND active = ?", old.UserID, true).Take(&user).Error; err != nil {
			return errs.ErrUnauthorized
		}
		if err := t.Model(&refreshRow{}).Where("id = ?", old.ID).Update("used_at", now).Error; err != nil {
			return err
		}
		return t.Create(&refreshRow{ID: NewID(), UserID: old.UserID, FamilyID: old.FamilyID, TokenHash: newHash, ExpiresAt: expires, CreatedAt: now}).Error
	})
	if err == nil && reused {
		err = fmt.Errorf("rotate refresh token: %w: %w", errs.ErrUnauthorized, ErrRefreshReused)
	}
	return user.user(), err
}

// RevokeRefreshFamily revokes the token with hash and every rotation of it (logout).
func (s *Store) RevokeRefreshFamily(ctx context.Context, hash string) error {
	return s.write(ctx, "logout", func(t *tx) error {
		var row refreshRow
		if err := t.Where("token_hash = ?", hash).Take(&row).Error; err != nil {
			return errs.ErrUnauthorized
		}
		return t.Model(&refreshRow{}).Where("family_id = ? AND revoked_at IS NULL", row.FamilyID).Update("revoked_at", t.s.now()).Error
	})
}

// Invitation is a pending invitation as stored.
type Invitation struct {
	ID        string    `json:"id"`
	ExpiresAt time.Time `json:"expires_at"`
}

// CreateInvitation records a supplier admin's invitation of a buyer.
func (s *Store) CreateInvitation(ctx context.Context, caller access.Caller, inv account.NewInvitation, tokenHash string, expires time.Time) (Invitation, error) {
	if !caller.IsAdmin() {
		return Invitation{}, errs.Forbiddenf("only an admin can invite a buyer")
	}
	row := invitationRow{ID: NewID(), TokenHash: tokenHash, SupplierOrgID: caller.OrgID, InvitedBy: caller.UserID,
		BuyerOrgName: inv.BuyerOrgName, Email: inv.Email, Name: inv.Name, ExpiresAt: expires, CreatedAt: s.now()}
	err := s.write(ctx, "create invitation", func(t *tx) error {
		var n int64
		if err := t.Model(&userRow{}).Where("email = ?", inv.Email).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return errs.Invalid("email", "is already registered")
		}
		return t.Create(&row).Error
	})
	return Invitation{ID: row.ID, ExpiresAt: row.ExpiresAt}, err
}

// AcceptInvitation turns an invitation into a buyer organization, its first admin
// and the relationship with the supplier, once.
func (s *Store) AcceptInvitation(ctx context.Context, tokenHash string, acc account.Acceptance, passwordHash string) (account.User, account.Org, string, error) {
	var user userRow
	var org orgRow
	relID := NewID()
	err := s.write(ctx, "accept invitation", func(t *tx) error {
		var inv invitationRow
		if err := t.lockRow(&inv, `SELECT * FROM invitations WHERE token_hash = ?`, tokenHash); err != nil {
			return fmt.Errorf("invitation: %w", errs.ErrNotFound)
		}
		now := t.s.now()
		if inv.AcceptedAt != nil {
			return &errs.Detailed{Err: errs.ErrGone, Detail: "this invitation has already been accepted"}
		}
		if inv.ExpiresAt.Before(now) {
			return &errs.Detailed{Err: errs.ErrGone, Detail: "this invitation has expired"}
		}
		org = orgRow{ID: NewID(), Name: inv.BuyerOrgName, CreatedAt: now}
		if err := t.Create(&org).Error; err != nil {
			return err
		}
		var err error
		user, err = t.insertUser(org.ID, account.NewUser{Email: inv.Email, Name: acc.Name, Role: access.RoleAdmin, Department: "purchasing"}, passwordHash)
		if err != nil {
			return err
		}
		rel := relationshipRow{ID: relID, SupplierOrgID: inv.SupplierOrgID, BuyerOrgID: org.ID, SilenceThresholdDays: 30, AccountOwnerID: &inv.InvitedBy, CreatedAt: now}
		if err := t.Create(&rel).Error; err != nil {
			return err
		}
		if err := t.Model(&invitationRow{}).Where("id = ?", inv.ID).Update("accepted_at", now).Error; err != nil {
			return err
		}
		ev := event.New(event.RelationshipCreated, "relationship", relID, map[string]any{"supplier_org_id": inv.SupplierOrgID, "buyer_org_id": org.ID, "invited_by": inv.InvitedBy})
		_, err = t.emit(relID, user.user().Caller(), access.Buyer, ev)
		return err
	})
	return user.user(), account.Org{ID: org.ID, Name: org.Name, CreatedAt: org.CreatedAt}, relID, err
}
