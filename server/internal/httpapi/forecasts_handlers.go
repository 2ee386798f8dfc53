package httpapi

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/rapport/rapport/server/internal/domain/errs"
	"github.com/rapport/rapport/server/internal/domain/forecast"
	"github.com/rapport/rapport/server/internal/store"
)

func (a *API) postForecast(c *gin.Context) { a.submitForecast(c, forecast.KindForecast) }

func (a *API) postCommit(c *gin.Context) { a.submitForecast(c, forecast.KindCommit) }

// submitForecast stores a buyer's revision or a supplier's commit.
func (a *API) submitForecast(c *gin.Context, kind forecast.Kind) {
	var req forecast.Submission
	if !decode(c, &req) {
		return
	}
	rev, err := a.Store.SubmitForecast(c.Request.Context(), relOf(c), kind, req)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, rev)
}

func (a *API) listForecastRevisions(c *gin.Context) {
	productID := strings.TrimSpace(c.Query("product_id"))
	if productID == "" {
		fail(c, errs.Invalid("product_id", "is required"))
		return
	}
	kind, err := forecast.ParseKind(c.Query("kind"))
	if err != nil {
		fail(c, err)
		return
	}
	p, ok := page(c)
	if !ok {
		return
	}
	revs, next, err := a.Store.ForecastRevisions(c.Request.Context(), relOf(c), productID, kind, p)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newList(revs, next))
}

// viewRange reads ?from=&to= (YYYY-MM). By default the view runs from twelve
// months back (for actuals and accuracy) to the end of the planning window.
func (a *API) viewRange(c *gin.Context) (from, to forecast.Period, ok bool) {
	cur := forecast.PeriodOf(a.Store.Now())
	from, to = cur.AddMonths(-12), cur.AddMonths(forecast.MaxMonthsAhead)
	var v errs.Validator
	if s := c.Query("from"); s != "" {
		p, err := forecast.ParsePeriod(s)
		if v.Check(err == nil, "from", "%v", err) {
			from = p
		}
	}
	if s := c.Query("to"); s != "" {
		p, err := forecast.ParsePeriod(s)
		if v.Check(err == nil, "to", "%v", err) {
			to = p
		}
	}
	if !v.Has("from") && !v.Has("to") {
		v.Check(!to.Before(from), "to", "must not be before from")
		v.Check(to.Index()-from.Index() < forecast.MaxViewPeriods, "to", "must be at most %d months after from", forecast.MaxViewPeriods-1)
	}
	if err := v.Err(); err != nil {
		fail(c, err)
		return from, to, false
	}
	return from, to, true
}

func (a *API) getForecasts(c *gin.Context) {
	from, to, ok := a.viewRange(c)
	if !ok {
		return
	}
	p, ok := page(c)
	if !ok {
		return
	}
	items, next, err := a.Store.ForecastView(c.Request.Context(), relOf(c), strings.TrimSpace(c.Query("product_id")), from, to, p)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newList(items, next))
}

// importForecasts takes a text/csv body (sku,period,quantity) and writes one
// revision per product, or nothing at all when any row is bad.
func (a *API) importForecasts(c *gin.Context) {
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || (mt != "text/csv" && mt != "application/csv") {
		problem(c, http.StatusUnsupportedMediaType, "Send the forecast as text/csv with the header sku,period,quantity.")
		return
	}
	note := strings.TrimSpace(c.Query("note"))
	if utf8.RuneCountInString(note) > forecast.MaxNoteRunes {
		fail(c, errs.Invalid("note", "must be at most %d characters", forecast.MaxNoteRunes))
		return
	}
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			problem(c, http.StatusRequestEntityTooLarge, fmt.Sprintf("The file is larger than %d bytes; split it into several imports.", tooBig.Limit))
			return
		}
		problem(c, http.StatusBadRequest, "The body could not be read.")
		return
	}
	if !utf8.Valid(body) {
		fail(c, errs.Invalid("file", "must be UTF-8 text"))
		return
	}
	res, err := a.Store.ImportForecastCSV(c.Request.Context(), relOf(c), body, note)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, res)
}

// exportForecasts writes the whole view (every product page) as CSV.
func (a *API) exportForecasts(c *gin.Context) {
	from, to, ok := a.viewRange(c)
	if !ok {
		return
	}
	ctx, rel, productID := c.Request.Context(), relOf(c), strings.TrimSpace(c.Query("product_id"))
	var all []forecast.ProductView
	p := store.Page{Limit: store.MaxLimit}
	for {
		items, next, err := a.Store.ForecastView(ctx, rel, productID, from, to, p)
		if err != nil {
			fail(c, err)
			return
		}
		all = append(all, items...)
		if next == "" {
			break
		}
		if p.After, err = store.DecodeCursor(next); err != nil {
			fail(c, err)
			return
		}
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="forecasts.csv"`)
	c.Status(http.StatusOK)
	w := csv.NewWriter(c.Writer)
	_ = w.Write([]string{"sku", "period", "forecast", "previous", "commit", "actual", "gap"})
	for _, pv := range all {
		for _, r := range pv.Periods {
			_ = w.Write([]string{spreadsheetSafe(pv.SKU), r.Period, optInt(r.Forecast), optInt(r.Previous), optInt(r.Commit), strconv.FormatInt(r.Actual, 10), optInt(r.Gap)})
		}
	}
	w.Flush()
}

func optInt(v *int64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatInt(*v, 10)
}

// spreadsheetSafe keeps a spreadsheet from reading a text cell as a formula.
func spreadsheetSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
