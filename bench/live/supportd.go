package main

import (
	"fmt"
	"strconv"

	"github.com/supportd/supportd/bench/internal/benchkit"
)

// serverEnv is supportd's whole environment (config.Load reads the same map to
// derive the token key and issuer exactly as the server does). One client opens
// 10,000 sockets and posts far past a person's quotas: the limits are generous.
func serverEnv(o options, dbURL, dir string) (map[string]string, error) {
	env, err := benchkit.ServerEnv(dbURL, dir)
	if err != nil {
		return nil, err
	}
	// A ticket takes rate × duration / active messages (plus the warm-up's one);
	// the default thread cap, 1,000, is raised only when that would reach it.
	if per := int(float64(o.rate)*o.duration.Seconds())/o.active + 2; per > 1000 {
		env["TICKET_MAX_MESSAGES"] = strconv.Itoa(2 * per)
		fmt.Println("TICKET_MAX_MESSAGES =", env["TICKET_MAX_MESSAGES"], "(each ticket gets", per, "messages)")
	}
	return env, nil
}

// supportdProc is a running supportd child process and its metrics address.
type supportdProc struct {
	*benchkit.Server
	metrics string
}

// startSupportd runs `supportd serve` with env and waits until /readyz answers.
func startSupportd(bin, dir string, env map[string]string) (*supportdProc, error) {
	s, err := benchkit.StartServer(benchkit.ServerOptions{Bin: bin, Dir: dir, Env: benchkit.EnvList(env),
		Addr: env["HOST"] + ":" + env["PORT"], LogName: "supportd.log", Probe: "/readyz", KillWithParent: true})
	if err != nil {
		return nil, err
	}
	return &supportdProc{Server: s, metrics: env["METRICS_ADDR"]}, nil
}
