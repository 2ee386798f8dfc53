package browser_test

import (
	"strings"
	"testing"
)

// A supplier shares a confidential plan with one buyer user; that user reads it
// (the body loads only when opened), someone not named never sees it, and the
// author's access log names the reader.
func TestConfidentialPlanReadersAndAccessLog(t *testing.T) {
	w := newWorld(t)
	plans := "#/rel/" + w.F.RelA + "/plans"
	const title = "Capacity plan 2027 (confidential)"
	const body = "# Line 3\n- second shift from March\n- <script>alert(1)</script> stays text"

	author := openPage(t, w.URL, "author", 1280, 800)
	author.login(w.F.Supplier.Admin.User.Email, w.F.Password)
	author.visit(plans)
	author.waitFor("plan form", `document.querySelector('.plan-form')`)
	author.typeInto(`.plan-form input[name=title]`, title)
	author.setValue(`.plan-form textarea[name=body]`, body)
	author.click(`.plan-form input[name=confidential]`)
	author.click(`.plan-form input[name=reader][value="` + w.F.BuyerA.Member.User.ID + `"]`)
	author.click(`.plan-form button[type=submit]`)
	author.waitFor("plan listed as confidential", `[...document.querySelectorAll('#plans-list .plan')].some(p => p.querySelector('h3').textContent === `+jsString(title)+` && p.querySelector('.badge-confidential'))`)

	outsider := openPage(t, w.URL, "not a reader", 1280, 800)
	outsider.login(w.F.BuyerA.Admin.User.Email, w.F.Password)
	outsider.visit(plans)
	outsider.waitFor("plans loaded", `document.querySelector('#plans-list > *')`)
	if n := evalAs[int](outsider, `[...document.querySelectorAll('#plans-list .plan h3')].filter(h => h.textContent === `+jsString(title)+`).length`); n != 0 {
		t.Error("a buyer admin who is not a reader sees the confidential plan")
	}

	reader := openPage(t, w.URL, "reader", 390, 844)
	reader.login(w.F.BuyerA.Member.User.Email, w.F.Password)
	reader.visit(plans)
	card := `[...document.querySelectorAll('#plans-list .plan')].find(p => p.querySelector('h3').textContent === ` + jsString(title) + `)`
	reader.waitFor("plan visible to its reader", card)
	evalAs[bool](reader, `(`+card+`.querySelector('button.read-plan').click(), true)`)
	reader.waitFor("body rendered", card+`.querySelector('.plan-body li')`)
	if got := evalAs[string](reader, card+`.querySelector('.plan-body').textContent`); !strings.Contains(got, "<script>alert(1)</script> stays text") {
		t.Errorf("plan body reads %q", got)
	}
	reader.shot("buyer-plan-390")

	author.visit("#/")
	author.visit(plans)
	author.waitFor("plan", card)
	evalAs[bool](author, `(`+card+`.querySelector('.card-actions button.link').click(), true)`)
	author.waitFor("access log names the reader", card+`.querySelector('.plan-extra table') && `+card+`.querySelector('.plan-extra').textContent.includes(`+jsString(w.F.BuyerA.Member.User.Name)+`)`)
	author.shot("supplier-plan-access-log-1280")
}
