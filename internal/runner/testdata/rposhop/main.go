// Command rposhop is the test shop of internal/runner's RPO truth test
// (rpo_haproxy_test.go), built by the test without the race detector so that
// it keeps up with 2,000 checkouts a second whatever the test binary is
// built with. POST /checkout acknowledges an order (201 {"id","region",
// "acked"}) and logs it to its ack log before answering; each order is sent
// to the peer lag after its ack (POST /replicate, a batch of ids a line),
// which logs it to its replicated log before answering; GET /orders/{id}
// answers 200 or 404. Killed, it loses what it had not yet replicated;
// started again, it starts empty. The two logs are the truth of what was
// lost.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// shopEnv selects the mode of a re-executed test binary: "serve" runs a shop
// until killed; "spawn" starts a serving one in its own session, waits until
// it answers, writes its pid file and exits (the heal command of the test).
const shopEnv = "SLOCHECK_RPO_SHOP"

func main() {
	switch os.Getenv(shopEnv) {
	case "serve":
		err := serveShop(shopConfigFromEnv())
		fmt.Fprintln(os.Stderr, "shop:", err)
		os.Exit(1)
	case "spawn":
		if _, err := spawnShop(shopConfigFromEnv()); err != nil {
			fmt.Fprintln(os.Stderr, "spawn shop:", err)
			os.Exit(1)
		}
		os.Exit(0)
	default:
		fmt.Fprintf(os.Stderr, "%s=serve|spawn and SHOP_* configure this test shop\n", shopEnv)
		os.Exit(2)
	}
}

// shopConfig configures one shop process.
type shopConfig struct {
	Region  string        // the region it acknowledges writes as
	Addr    string        // host:port it listens on
	Peer    string        // base URL it replicates to; "" for none
	Lag     time.Duration // replication lag
	AckLog  string        // "id ack-unix-nanos" a line, one per acknowledged write
	ReplLog string        // "id" a line, one per write received from the peer
	PidFile string        // spawn writes the shop's pid here
	LogFile string        // the shop's stdout and stderr
}

func (c shopConfig) env(mode string) []string {
	return []string{shopEnv + "=" + mode, "SHOP_REGION=" + c.Region, "SHOP_ADDR=" + c.Addr, "SHOP_PEER=" + c.Peer,
		"SHOP_LAG=" + c.Lag.String(), "SHOP_ACKLOG=" + c.AckLog, "SHOP_REPLLOG=" + c.ReplLog,
		"SHOP_PIDFILE=" + c.PidFile, "SHOP_LOGFILE=" + c.LogFile}
}

func shopConfigFromEnv() shopConfig {
	lag, _ := time.ParseDuration(os.Getenv("SHOP_LAG"))
	return shopConfig{Region: os.Getenv("SHOP_REGION"), Addr: os.Getenv("SHOP_ADDR"), Peer: os.Getenv("SHOP_PEER"), Lag: lag,
		AckLog: os.Getenv("SHOP_ACKLOG"), ReplLog: os.Getenv("SHOP_REPLLOG"), PidFile: os.Getenv("SHOP_PIDFILE"), LogFile: os.Getenv("SHOP_LOGFILE")}
}

// spawnShop starts a serving shop in a session of its own (so that the exec
// injector's process-group kill does not reach it), waits until it answers
// /health, and writes its pid file.
func spawnShop(c shopConfig) (int, error) {
	out, err := os.OpenFile(c.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return 0, err
	}
	defer out.Close()
	self, err := os.Executable()
	if err != nil {
		return 0, err
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), c.env("serve")...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	pid := cmd.Process.Pid
	if err := waitHealthy("http://"+c.Addr+"/health", 10*time.Second); err != nil {
		_ = cmd.Process.Kill()
		return 0, err
	}
	_ = cmd.Process.Release()
	return pid, os.WriteFile(c.PidFile, []byte(strconv.Itoa(pid)), 0o644)
}

// waitHealthy polls u until it answers 200, every 10 ms, for at most d.
func waitHealthy(u string, d time.Duration) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(d)
	for {
		resp, err := client.Get(u)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer 200 within %s (last error %v)", u, d, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type testShop struct {
	c       shopConfig
	mu      sync.Mutex
	orders  map[string]bool
	queue   []queuedOrder // acknowledged, not yet replicated, in ack order
	seq     uint64
	prefix  string
	ackLog  *os.File // unbuffered: a line survives the process's SIGKILL once written
	replLog *os.File
}

type queuedOrder struct {
	id    string
	acked time.Time
}

func serveShop(c shopConfig) error {
	s := &testShop{c: c, orders: map[string]bool{}, prefix: fmt.Sprintf("%s-%d-%d", c.Region, os.Getpid(), time.Now().UnixNano()%1e6)}
	var err error
	if s.ackLog, err = os.OpenFile(c.AckLog, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err != nil {
		return err
	}
	if s.replLog, err = os.OpenFile(c.ReplLog, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err != nil {
		return err
	}
	if c.Peer != "" {
		go s.replicate()
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /checkout", s.checkout)
	mux.HandleFunc("POST /replicate", s.receive)
	mux.HandleFunc("GET /orders/{id}", s.order)
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Served-By", c.Region)
		_, _ = io.WriteString(w, "{}")
	})
	return http.ListenAndServe(c.Addr, mux)
}

func (s *testShop) checkout(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	s.mu.Lock()
	s.seq++
	id := fmt.Sprintf("%s-%d", s.prefix, s.seq)
	acked := time.Now().Round(0)
	s.orders[id] = true
	if s.c.Peer != "" {
		s.queue = append(s.queue, queuedOrder{id, acked})
	}
	_, err := fmt.Fprintf(s.ackLog, "%s %d\n", id, acked.UnixNano())
	s.mu.Unlock()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("X-Served-By", s.c.Region)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{"id": id, "region": s.c.Region, "acked": acked})
}

func (s *testShop) receive(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	for _, id := range strings.Fields(string(body)) {
		s.orders[id] = true
	}
	_, err = s.replLog.Write(body)
	s.mu.Unlock()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

func (s *testShop) order(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	ok := s.orders[r.PathValue("id")]
	s.mu.Unlock()
	w.Header().Set("X-Served-By", s.c.Region)
	if !ok {
		http.NotFound(w, r)
		return
	}
	_, _ = io.WriteString(w, `{"id":"`+r.PathValue("id")+`"}`)
}

// replicate sends, every 5 ms, the orders whose lag has passed to the peer.
func (s *testShop) replicate() {
	client := &http.Client{Timeout: time.Second}
	for range time.Tick(5 * time.Millisecond) {
		now := time.Now()
		s.mu.Lock()
		k := 0
		for k < len(s.queue) && k < 5000 && !s.queue[k].acked.Add(s.c.Lag).After(now) {
			k++
		}
		var body bytes.Buffer
		for _, q := range s.queue[:k] {
			body.WriteString(q.id + "\n")
		}
		s.mu.Unlock()
		if k == 0 {
			continue
		}
		resp, err := client.Post(s.c.Peer+"/replicate", "text/plain", &body)
		if err != nil {
			continue
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			s.mu.Lock()
			s.queue = s.queue[k:]
			s.mu.Unlock()
		}
	}
}
