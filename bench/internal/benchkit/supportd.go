package benchkit

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Generous is a rate limit no benchmark reaches: the limiters still run (each
// request takes from a bucket), but never refuse.
const Generous = "1000000000/1m"

// RuntimeKnobs are the Go runtime's environment variables; they pass through
// to supportd so that their effect on it can be measured.
var RuntimeKnobs = []string{"GOGC", "GOMEMLIMIT", "GODEBUG", "GOMAXPROCS"}

// ServerEnv is the environment supportd runs with in the benchmarks that
// start it from a map (config.Load reads the same map to derive the token key
// and issuer exactly as the server does): production mode on dbURL and dir,
// free ports on 127.0.0.1 for the API and the metrics, a random SECRET_KEY,
// generous rate limits, and the RuntimeKnobs that are set here. Callers add
// their own keys.
func ServerEnv(dbURL, dir string) (map[string]string, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	metricsPort, err := FreePort()
	if err != nil {
		return nil, err
	}
	env := map[string]string{
		"SUPPORTD_ENV": "production", "DATABASE_URL": dbURL, "DATA_DIR": dir, "SECRET_KEY": RandomHex(20),
		"HOST": "127.0.0.1", "PORT": strconv.Itoa(port), "METRICS_ADDR": "127.0.0.1:" + strconv.Itoa(metricsPort),
		"LOG_LEVEL": "warn", "KB_SEED_SAMPLE": "false", "ACCESS_TOKEN_EXPIRE_MINUTES": "240",
		"RATE_LIMIT_USER": Generous, "RATE_LIMIT_IP": Generous, "RATE_LIMIT_WRITE": Generous,
		"RATE_LIMIT_SIGNUP": Generous, "RATE_LIMIT_LOGIN": Generous,
	}
	for _, k := range RuntimeKnobs {
		if v, ok := os.LookupEnv(k); ok {
			env[k] = v
		}
	}
	return env, nil
}

// EnvList turns an environment map into KEY=VALUE strings.
func EnvList(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// Server is a running supportd child process.
type Server struct {
	Cmd     *exec.Cmd
	Base    string // http://host:port
	LogPath string
}

// ServerOptions says how to start supportd.
type ServerOptions struct {
	Bin, Dir string   // the binary, and its working directory and HOME (no stray .env from the tree)
	Env      []string // KEY=VALUE, after PATH and HOME
	Addr     string   // host:port it listens on (HOST and PORT in Env)
	LogName  string   // file in Dir for its stdout and stderr
	Probe    string   // path polled until it answers 200: "/readyz" or "/healthz"
	// KillWithParent has the kernel kill supportd when this program dies.
	KillWithParent bool
}

// StartServer runs `supportd serve` and waits, at most 60 s, until o.Probe
// answers 200.
func StartServer(o ServerOptions) (*Server, error) {
	logPath := filepath.Join(o.Dir, o.LogName)
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(o.Bin, "serve")
	cmd.Dir = o.Dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + o.Dir}, o.Env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if o.KillWithParent {
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &Server{Cmd: cmd, Base: "http://" + o.Addr, LogPath: logPath}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		resp, err := http.Get(p.Base + o.Probe)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
	}
	p.Stop()
	state := "ready"
	if o.Probe == "/healthz" {
		state = "healthy"
	}
	return nil, fmt.Errorf("supportd did not become %s; log:\n%s", state, Tail(logPath, 2000))
}

// Pid is the child's process id.
func (p *Server) Pid() int { return p.Cmd.Process.Pid }

// Stop sends SIGTERM and waits for the orderly shutdown, at most 30 s, then kills.
func (p *Server) Stop() {
	_ = p.Cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = p.Cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = p.Cmd.Process.Kill()
		<-done
	}
}

// BuildSupportd returns bin, or builds ./cmd/supportd into dir when it is empty
// (run from the module root).
func BuildSupportd(bin, dir string) (string, error) {
	if bin != "" {
		return bin, nil
	}
	bin = filepath.Join(dir, "supportd")
	fmt.Println("building supportd:", "go build -o", bin, "./cmd/supportd")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/supportd")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build supportd: %w", err)
	}
	return bin, nil
}

// FreePort is a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// RandomHex is n random bytes in hex.
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Tail is the last n bytes of a file.
func Tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// PrintLogTail prints the last 1,500 bytes of supportd's log, if any.
func PrintLogTail(path string) {
	if l := Tail(path, 1500); strings.TrimSpace(l) != "" {
		fmt.Printf("supportd log (tail):\n%s\n", l)
	}
}
