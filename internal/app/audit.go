package app

import (
	"context"
	"time"
)

// auditPruneEvery is how often the audit log is pruned to AUDIT_RETENTION.
const auditPruneEvery = time.Hour

// startAuditPruner deletes the audit entries older than AUDIT_RETENTION now and
// then every auditPruneEvery, until ctx ends or Close; nothing when the
// retention is off. Every instance runs it: concurrent prunes delete each
// entry once.
func (a *App) startAuditPruner(ctx context.Context) {
	retention := a.Config.AuditRetention
	if retention == 0 {
		a.Log.Info("audit log: AUDIT_RETENTION is off, so entries are kept forever")
		return
	}
	pctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	a.stopPruner, a.prunerDone = stop, done
	go func() {
		defer close(done)
		a.Audit.RunPruner(pctx, retention, auditPruneEvery)
	}()
}
