package main

import (
	"strconv"

	"github.com/supportd/supportd/bench/internal/benchkit"
)

// serverEnv is supportd's whole environment (config.Load reads the same map to
// derive the token key and issuer exactly as the server does). A handful of
// customers post far past a person's quotas: the limits are generous.
func serverEnv(o options, dbURL, dir string) (map[string]string, error) {
	env, err := benchkit.ServerEnv(dbURL, dir)
	if err != nil {
		return nil, err
	}
	// Files up to -max-size (16 MiB by default, so 10 MiB files fit with
	// room), no storage quota, and threads long enough for a 20 s run of
	// small files on one ticket per client.
	env["ATTACHMENT_MAX_SIZE"] = strconv.FormatInt(o.maxSize, 10)
	env["ATTACHMENT_QUOTA"] = "0"
	env["TICKET_MAX_MESSAGES"] = "100000"
	return env, nil
}

// supportdProc is a running supportd child process.
type supportdProc = benchkit.Server

// startSupportd runs `supportd serve` with env and waits until /readyz answers.
func startSupportd(bin, dir string, env map[string]string) (*supportdProc, error) {
	return benchkit.StartServer(benchkit.ServerOptions{Bin: bin, Dir: dir, Env: benchkit.EnvList(env),
		Addr: env["HOST"] + ":" + env["PORT"], LogName: "supportd.log", Probe: "/readyz", KillWithParent: true})
}
