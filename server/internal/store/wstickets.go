package store

import (
	"context"
	"fmt"
	"time"

	"github.com/rapport/rapport/server/internal/domain/account"
	"github.com/rapport/rapport/server/internal/domain/errs"
)

type wsTicketRow struct {
	TicketHash string
	UserID     string
	ExpiresAt  time.Time
	CreatedAt  time.Time
}

func (wsTicketRow) TableName() string { return "ws_tickets" }

// SaveWSTicket stores the hash of a one-time websocket ticket for userID and
// drops expired ones, so the table holds only tickets that can still be redeemed.
func (s *Store) SaveWSTicket(ctx context.Context, userID, hash string, expires time.Time) error {
	return s.write(ctx, "save websocket ticket", func(t *tx) error {
		now := t.s.now()
		if err := t.Where("expires_at < ?", now.Add(-time.Minute)).Delete(&wsTicketRow{}).Error; err != nil {
			return err
		}
		return t.Create(&wsTicketRow{TicketHash: hash, UserID: userID, ExpiresAt: expires, CreatedAt: now}).Error
	})
}

// RedeemWSTicket consumes the ticket with hash and returns its active user. A
// ticket works once: the row is deleted in the same transaction, and of two
// concurrent redeemers only the one whose DELETE removed the row succeeds.
// Unknown, reused and expired tickets are all ErrUnauthorized.
func (s *Store) RedeemWSTicket(ctx context.Context, hash string) (account.User, error) {
	var user userRow
	err := s.write(ctx, "redeem websocket ticket", func(t *tx) error {
		var row wsTicketRow
		res := t.Where("ticket_hash = ?", hash).Limit(1).Find(&row)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("unknown or used ticket: %w", errs.ErrUnauthorized)
		}
		del := t.Where("ticket_hash = ?", hash).Delete(&wsTicketRow{})
		if del.Error != nil {
			return del.Error
		}
		if del.RowsAffected == 0 {
			return fmt.Errorf("ticket redeemed concurrently: %w", errs.ErrUnauthorized)
		}
		if !row.ExpiresAt.After(t.s.now()) {
			return nil // consumed but refused below: an expired ticket never works
		}
		return t.Where("id = ? AND active = ?", row.UserID, true).Limit(1).Find(&user).Error
	})
	if err != nil {
		return account.User{}, err
	}
	if user.ID == "" {
		return account.User{}, fmt.Errorf("redeem websocket ticket: expired ticket or inactive user: %w", errs.ErrUnauthorized)
	}
	return user.user(), nil
}
