package warehouse_test

import (
	"context"
	"encoding/binary"
	"io"
	"maps"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/metalake/metalake/internal/dag"
	"github.com/metalake/metalake/internal/testserver"
	"github.com/metalake/metalake/internal/warehouse"
)

// TestExportServerKilledMidLoad kills the PostgreSQL server in the middle of a load — during a
// COPY, and with every statement of the load done but its COMMIT — then restarts it: nothing
// of the load is visible (not even the tables of a first load), the error is retryable, and
// loading the date again completes.
func TestExportServerKilledMidLoad(t *testing.T) {
	ctx := context.Background()
	pg := testserver.StartPostgres(t)
	c := &cluster{pg: pg}
	lk, eng := generatedLake(t), newEngine(t)
	tg := c.database(t)

	// A first load killed just before COMMIT: schema, tables, every row were sent.
	proxy := killingProxy(t, pg, func(typ byte, body []byte) bool {
		return typ == 'Q' && strings.HasPrefix(string(body), "COMMIT")
	})
	_, err := exporter(lk, eng, proxy.target(tg)).Export(ctx, date(t, dates[0]))
	if err == nil || !proxy.killed() {
		t.Fatalf("the load survived the kill (killed %v): %v", proxy.killed(), err)
	}
	if !dag.Retryable(err) {
		t.Errorf("a load cut by a dead server is not retryable: %v", err)
	}
	pg.Start()
	conn := c.connect(t, tg)
	var tables int
	if err := conn.QueryRow(ctx, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'meta_gold'").Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if tables != 0 {
		t.Errorf("a first load killed before its commit left %d tables", tables)
	}
	conn.Close(ctx)

	e := exporter(lk, eng, tg)
	export(t, e, dates[0])
	conn = c.connect(t, tg)
	before := counts(t, conn)
	conn.Close(ctx)

	// The next date's load killed while it streams rows into PostgreSQL.
	proxy = killingProxy(t, pg, func(typ byte, _ []byte) bool { return typ == 'd' })
	if _, err := exporter(lk, eng, proxy.target(tg)).Export(ctx, date(t, dates[1])); err == nil || !proxy.killed() {
		t.Fatalf("the load survived the kill (killed %v): %v", proxy.killed(), err)
	}
	pg.Start()
	conn = c.connect(t, tg)
	defer conn.Close(ctx)
	if after := counts(t, conn); !maps.Equal(after, before) {
		t.Errorf("a killed load is half visible:\n before %v\n after  %v", before, after)
	}
	assertEqualsLake(t, lk, eng, conn, dates[:1])

	export(t, e, dates[1])
	assertEqualsLake(t, lk, eng, conn, dates[:2])
}

// proxy forwards connections to a PostgreSQL server and kills the server (immediate stop)
// when a client message matches: the load sees its server die at an exact point.
type proxy struct {
	addr  string
	mu    sync.Mutex
	fired bool
	dead  chan struct{} // closed once the server is down
}

func killingProxy(t *testing.T, pg *testserver.Postgres, match func(typ byte, body []byte) bool) *proxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{addr: l.Addr().String(), dead: make(chan struct{})}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		l.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			client, err := l.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", net.JoinHostPort(pg.Host, pg.Port))
			if err != nil {
				client.Close()
				continue
			}
			wg.Add(2)
			go func() {
				defer wg.Done()
				io.Copy(client, server)
				client.Close()
			}()
			go func() {
				defer wg.Done()
				defer server.Close()
				if p.forward(client, server, match) {
					pg.Kill()
					close(p.dead)
				}
				client.Close()
			}()
		}
	}()
	return p
}

// forward copies the client's messages to the server until one matches (true) or the
// connection ends. The startup message has no type byte; every later one is a type, a length
// and a body (PostgreSQL's frontend protocol, without TLS: sslmode=disable).
func (p *proxy) forward(client, server net.Conn, match func(byte, []byte) bool) bool {
	var n [4]byte
	if _, err := io.ReadFull(client, n[:]); err != nil {
		return false
	}
	startup := make([]byte, binary.BigEndian.Uint32(n[:])-4)
	if _, err := io.ReadFull(client, startup); err != nil {
		return false
	}
	if _, err := server.Write(append(n[:], startup...)); err != nil {
		return false
	}
	for {
		var head [5]byte
		if _, err := io.ReadFull(client, head[:]); err != nil {
			return false
		}
		body := make([]byte, binary.BigEndian.Uint32(head[1:])-4)
		if _, err := io.ReadFull(client, body); err != nil {
			return false
		}
		if match(head[0], body) {
			p.mu.Lock()
			first := !p.fired
			p.fired = true
			p.mu.Unlock()
			if first {
				return true
			}
		}
		if _, err := server.Write(append(head[:], body...)); err != nil {
			return false
		}
	}
}

// killed reports whether the server was killed, once it is down (the client sees its
// connection die before the server has finished stopping).
func (p *proxy) killed() bool {
	p.mu.Lock()
	fired := p.fired
	p.mu.Unlock()
	if fired {
		<-p.dead
	}
	return fired
}

// target is tg reached through the proxy.
func (p *proxy) target(tg warehouse.Target) warehouse.Target {
	u := *tg.URL
	u.Host = p.addr
	tg.URL = &u
	return tg
}
