package app

import (
	"context"
	"time"

	"gocloud.dev/blob"

	"github.com/supportd/supportd/internal/blobstore"
)

// openBlobs opens the attachments' bucket: BLOB_URL, or a directory under
// DATA_DIR.
func openBlobs(ctx context.Context, a *App) (*blob.Bucket, error) {
	u := a.Config.Attachments.BlobURL
	if u == "" {
		var err error
		if u, err = blobstore.DefaultURL(a.Config.DataDir); err != nil {
			return nil, err
		}
	}
	return blobstore.Open(ctx, u)
}

// Sweeping files no message owns: listed for longer than sweepGrace (an
// upload in progress is younger), every sweepEvery.
const (
	sweepGrace = time.Hour
	sweepEvery = 10 * time.Minute
	sweepBatch = 500
)

// startSweeper deletes, now and every sweepEvery until Close, the blobs left
// by failed uploads, crashes and deleted accounts. Every instance sweeps;
// deleting a blob twice is harmless.
func (a *App) startSweeper(ctx context.Context) {
	sctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	a.stopSweeper, a.sweeperDone = stop, done
	go func() {
		defer close(done)
		t := time.NewTicker(sweepEvery)
		defer t.Stop()
		for {
			a.sweep(sctx)
			select {
			case <-sctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// sweep deletes the blobs listed as unowned for longer than sweepGrace (due at
// once for a deleted account's) and unlists them, in batches.
func (a *App) sweep(ctx context.Context) {
	db, blobs, cutoff := a.DB, blobstore.Store{Bucket: a.blobs}, a.now().Add(-sweepGrace)
	deleted := 0
	for ctx.Err() == nil {
		keys, err := db.UnownedBlobs(ctx, cutoff, sweepBatch)
		if err != nil {
			a.Log.WarnContext(ctx, "listing unowned files failed; retrying at the next sweep", "error", err)
			return
		}
		for _, k := range keys {
			if err := blobs.Delete(ctx, k); err != nil {
				a.Log.WarnContext(ctx, "deleting an unowned file failed; retrying at the next sweep", "key", k, "error", err)
				return
			}
			if err := db.ForgetUnownedBlob(ctx, k); err != nil {
				a.Log.WarnContext(ctx, "unlisting a deleted file failed", "key", k, "error", err)
				return
			}
			deleted++
		}
		if len(keys) < sweepBatch {
			break
		}
	}
	if deleted > 0 {
		a.Log.InfoContext(ctx, "deleted files no message owns", "count", deleted)
	}
}
