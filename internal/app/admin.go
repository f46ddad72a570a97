package app

import "context"

// EnsureAdmin creates the first admin from ADMIN_EMAIL and ADMIN_PASSWORD when
// both are set and no active admin exists; otherwise it does nothing. supportd
// serve calls it before serving, so a desk can be run without the CLI.
func (a *App) EnsureAdmin(ctx context.Context) error {
	if a.Config.AdminEmail == "" {
		return nil
	}
	_, err := a.Auth.EnsureAdmin(ctx, a.Config.AdminEmail, a.Config.AdminPassword)
	return err
}
