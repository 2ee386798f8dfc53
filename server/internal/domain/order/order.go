// Package order is direct ordering: the buyer places orders from the supplier's
// catalogue, the supplier moves them through their lifecycle. Types, request
// validation, the state machine and the pricing of lines live here.
package order

import (
	"time"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/money"
	"github.com/rapport/rapport/server/internal/domain/promise"
)

// Status is an order's state.
type Status string

// The lifecycle: submitted → acknowledged → in_production → shipped → delivered,
// plus cancelled (buyer, before shipping) and rejected (supplier, before acknowledging).
const (
	Submitted    Status = "submitted"
	Acknowledged Status = "acknowledged"
	InProduction Status = "in_production"
	Shipped      Status = "shipped"
	Delivered    Status = "delivered"
	Cancelled    Status = "cancelled"
	Rejected     Status = "rejected"
)

// Statuses lists every status, for filters and validation.
var Statuses = []Status{Submitted, Acknowledged, InProduction, Shipped, Delivered, Cancelled, Rejected}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	for _, x := range Statuses {
		if s == x {
			return true
		}
	}
	return false
}

// Order is one purchase order of a relationship. Money is in minor units of Currency.
type Order struct {
	ID             string        `json:"id"`
	RelationshipID string        `json:"relationship_id"`
	Number         string        `json:"number"`
	Status         Status        `json:"status"`
	PONumber       string        `json:"po_number"`
	RequestedDate  string        `json:"requested_date"`
	PromisedDate   string        `json:"promised_date"`
	Note           string        `json:"note"`
	Reason         string        `json:"reason"`
	Currency       string        `json:"currency"`
	Total          money.Amount  `json:"total"`
	PlacedBy       string        `json:"placed_by"`
	Version        int64         `json:"version"`
	CreatedAt      time.Time     `json:"created_at"`
	UpdatedAt      time.Time     `json:"updated_at"`
	AcknowledgedAt *time.Time    `json:"acknowledged_at"`
	DeliveredAt    *time.Time    `json:"delivered_at"`
	Lines          []Line        `json:"lines"`
	History        []HistoryItem `json:"history"`
	PromiseID      string        `json:"promise_id"`
	// Promise is the delivery promise, filled by the single-order read only.
	Promise *promise.Promise `json:"-"`
}

// Line is one product of an order with the price snapshotted when it was placed.
type Line struct {
	LineNo    int          `json:"line_no"`
	ProductID string       `json:"product_id"`
	SKU       string       `json:"sku"`
	Name      string       `json:"name"`
	Quantity  int64        `json:"quantity"`
	UnitPrice money.Amount `json:"unit_price"`
	LineTotal money.Amount `json:"line_total"`
}

// HistoryItem is one state the order entered, who moved it and when.
type HistoryItem struct {
	Seq     int       `json:"seq"`
	Status  Status    `json:"status"`
	ActorID string    `json:"actor_id"`
	At      time.Time `json:"at"`
	Note    string    `json:"note"`
}

// Filter narrows an order list: by status and by the day the order was placed.
type Filter struct {
	Status   Status
	From, To time.Time // inclusive day range on created_at; zero means open
}

// supplierSteps is the forward path the supplier moves an acknowledged order along.
var supplierSteps = []Status{Acknowledged, InProduction, Shipped, Delivered}

func stepIndex(s Status) int {
	for i, x := range supplierSteps {
		if x == s {
			return i
		}
	}
	return -1
}

// CanAdvance reports whether the supplier may move an order from → to with the
// status endpoint: forward along acknowledged → in_production → shipped →
// delivered (a step may be skipped, e.g. spare parts shipped from stock).
func CanAdvance(from, to Status) bool {
	i, j := stepIndex(from), stepIndex(to)
	return i >= 0 && j > i
}

// CanCancel reports whether the buyer may still cancel: before shipping.
func CanCancel(s Status) bool { return s == Submitted || s == Acknowledged || s == InProduction }

// CanReject reports whether the supplier may still reject: before acknowledging.
func CanReject(s Status) bool { return s == Submitted }

// MoverSide is the side allowed to make a change: the buyer cancels, the supplier
// does everything else.
func MoverSide(to Status) access.Side {
	if to == Cancelled || to == Submitted {
		return access.Buyer
	}
	return access.Supplier
}
