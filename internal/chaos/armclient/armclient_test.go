package armclient

import "testing"

func TestRequiredNamesTheFirstEmptyField(t *testing.T) {
	err := Required("cosmos", Field{"subscription_id", "s"}, Field{"account", ""}, Field{"region", ""})
	if err == nil || err.Error() != "cosmos fault: account is empty" {
		t.Fatalf("error %v, want the first empty field named", err)
	}
	if err := Required("cosmos", Field{"subscription_id", "s"}); err != nil {
		t.Fatalf("all set: %v", err)
	}
}
