package browser_test

import (
	"context"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// A comment containing markup is shown as text and runs no script, for the
// author and for the other side receiving it live.
func TestCommentMarkupIsText(t *testing.T) {
	w := newWorld(t)
	w.requireAPI(t, "GET", "/relationships/"+w.F.RelA+"/ideas", w.F.BuyerA.Admin.Token)
	w.requireAPI(t, "GET", "/relationships/"+w.F.RelA+"/comments", w.F.BuyerA.Admin.Token)
	const payload = `<img src=x onerror="window.__xss=1;alert(1)">`
	idea := w.Call("POST", "/relationships/"+w.F.RelA+"/ideas", w.F.Supplier.Admin.Token, map[string]any{
		"title": `Shorter set-up <b>bold</b>`, "body": payload, "category": "process",
	}).Expect(t, 201).JSON(t)

	buyer := openPage(t, w.URL, "buyer", 1280, 800)
	dialogs := chromedp.Events(buyer.ctx, page.JavascriptDialogOpening)
	opened := make(chan string, 4)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			opened <- ev.Message
			chromedp.Call(context.WithoutCancel(buyer.ctx), page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	buyer.login(w.F.BuyerA.Admin.User.Email, w.F.Password)
	buyer.visit("#/rel/" + w.F.RelA + "/ideas")
	id := idea["id"].(string)
	card := `#ideas-board .idea[data-id="` + id + `"]`
	buyer.waitFor("idea card", `document.querySelector('`+card+`')`)
	buyer.click(card + " .card-actions button.comments-toggle")
	buyer.typeInto(card+" .comment-form textarea", payload)
	buyer.click(card + " .comment-form button[type=submit]")
	buyer.waitFor("comment shown", `document.querySelector('`+card+` .comment .comment-body')`)

	if got := buyer.text(card + " .comment .comment-body"); got != payload {
		t.Errorf("comment shows %q, want the text %q", got, payload)
	}
	if got := buyer.text(card + " .idea-body"); got != payload {
		t.Errorf("idea body shows %q, want the text %q", got, payload)
	}
	if n := evalAs[int](buyer, `document.querySelectorAll('main img, main b').length`); n != 0 {
		t.Errorf("%d elements were created from text", n)
	}
	if v := evalAs[bool](buyer, `window.__xss === 1`); v {
		t.Error("the comment's script ran")
	}
	select {
	case m := <-opened:
		t.Errorf("a dialog opened: %q", m)
	default:
	}
	buyer.shot("buyer-ideas-1280")
}
