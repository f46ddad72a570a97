package config

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestWebhookAllowPrivate(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil || len(c.Webhooks.AllowPrivate) != 0 {
		t.Fatalf("default: %+v, %v; want nothing allowed", c.Webhooks, err)
	}
	c, err = Load(env(map[string]string{"WEBHOOK_ALLOW_PRIVATE": " 127.0.0.1/32, ::1 ,10.1.0.0/16"}))
	want := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("10.1.0.0/16")}
	if err != nil || !reflect.DeepEqual(c.Webhooks.AllowPrivate, want) {
		t.Fatalf("list: %v, %v; want %v", c.Webhooks.AllowPrivate, err, want)
	}
	for _, bad := range []string{"localhost", "10.0.0.1/8", "300.1.1.1", "fe80::1%eth0"} {
		_, err = Load(env(map[string]string{"WEBHOOK_ALLOW_PRIVATE": bad}))
		if err == nil || !strings.Contains(err.Error(), "WEBHOOK_ALLOW_PRIVATE") || strings.Contains(err.Error(), "\n") {
			t.Fatalf("WEBHOOK_ALLOW_PRIVATE=%s: error %v, want one line naming the variable", bad, err)
		}
	}
}

func TestWebhookDeliverySettings(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil || c.Webhooks.Workers != 100 || c.Webhooks.DisableAfter != 120*time.Hour || c.Webhooks.AttemptRetention != 720*time.Hour {
		t.Fatalf("defaults: %+v, %v; want 100 workers, 120h, 720h", c.Webhooks, err)
	}
	c, err = Load(env(map[string]string{"WEBHOOK_WORKERS": "5", "WEBHOOK_DISABLE_AFTER": "72h", "WEBHOOK_ATTEMPT_RETENTION": "48h"}))
	if err != nil || c.Webhooks.Workers != 5 || c.Webhooks.DisableAfter != 72*time.Hour || c.Webhooks.AttemptRetention != 48*time.Hour {
		t.Fatalf("set: %+v, %v", c.Webhooks, err)
	}
	for key, bad := range map[string]string{"WEBHOOK_WORKERS": "0", "WEBHOOK_DISABLE_AFTER": "10m", "WEBHOOK_ATTEMPT_RETENTION": "1h"} {
		_, err := Load(env(map[string]string{key: bad}))
		if err == nil || !strings.HasPrefix(err.Error(), key+" must") {
			t.Errorf("%s=%s: error %v, want one naming the variable", key, bad, err)
		}
	}
}

func TestAttachmentSettings(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil || c.Attachments.MaxSize != 10<<20 || c.Attachments.MaxFiles != 5 || c.Attachments.Quota != 100<<20 || c.Attachments.BlobURL != "" {
		t.Fatalf("defaults: %+v, %v", c.Attachments, err)
	}
	c, err = Load(env(map[string]string{"ATTACHMENT_MAX_SIZE": "512KiB", "ATTACHMENT_MAX_FILES": "2", "ATTACHMENT_QUOTA": "0",
		"BLOB_URL": "s3://bucket?region=eu-west-1"}))
	if err != nil || c.Attachments.MaxSize != 512<<10 || c.Attachments.MaxFiles != 2 || c.Attachments.Quota != 0 || c.Attachments.BlobURL != "s3://bucket?region=eu-west-1" {
		t.Fatalf("set: %+v, %v", c.Attachments, err)
	}
	for key, bad := range map[string]string{"ATTACHMENT_MAX_SIZE": "10 parsecs", "ATTACHMENT_MAX_FILES": "0", "ATTACHMENT_QUOTA": "-1"} {
		_, err := Load(env(map[string]string{key: bad}))
		if err == nil || !strings.HasPrefix(err.Error(), key+" must") {
			t.Errorf("%s=%s: error %v, want one naming the variable", key, bad, err)
		}
	}
}
