package crashtest

import (
	"net"
	"sync"
	"testing"
)

// tcpProxy stands between one server and the shared PostgreSQL: the tests
// cannot stop the database others use, so an outage is this proxy closing every
// connection and refusing new ones until it is let through again, and a stall
// is this proxy accepting connections and holding every byte, both ways, until
// it lets them flow again (a database that is up but never answers).
type tcpProxy struct {
	ln      net.Listener
	target  string
	mu      sync.Mutex
	down    bool
	flowing chan struct{} // closed while bytes flow; open while stalled
	conns   map[net.Conn]bool
}

func newProxy(t testing.TB, target string) *tcpProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln, target: target, conns: map[net.Conn]bool{}, flowing: make(chan struct{})}
	close(p.flowing)
	go p.accept()
	t.Cleanup(func() { ln.Close(); p.setDown(true); p.setStalled(false) })
	return p
}

func (p *tcpProxy) addr() string { return p.ln.Addr().String() }

func (p *tcpProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			c.Close() // refused: the database is "down"
			continue
		}
		go p.pipe(c)
	}
}

func (p *tcpProxy) pipe(client net.Conn) {
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		client.Close()
		return
	}
	p.mu.Lock()
	if p.down {
		p.mu.Unlock()
		client.Close()
		server.Close()
		return
	}
	p.conns[client], p.conns[server] = true, true
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { p.forward(server, client); done <- struct{}{} }()
	go func() { p.forward(client, server); done <- struct{}{} }()
	<-done
	client.Close()
	server.Close()
	p.mu.Lock()
	delete(p.conns, client)
	delete(p.conns, server)
	p.mu.Unlock()
}

// forward copies src to dst, holding each chunk while the proxy is stalled.
func (p *tcpProxy) forward(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			flowing := p.flowing
			p.mu.Unlock()
			<-flowing
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// setDown starts (true) or ends (false) the outage; starting it cuts every
// open connection mid-stream.
func (p *tcpProxy) setDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	if down {
		for c := range p.conns {
			c.Close()
		}
	}
}

// setStalled starts (true) or ends (false) the stall: connections stay open and
// new ones are accepted, but nothing is forwarded either way until it ends; then
// what was held is delivered, as a paused database would read it on waking.
func (p *tcpProxy) setStalled(stalled bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.flowing:
		if stalled {
			p.flowing = make(chan struct{})
		}
	default:
		if !stalled {
			close(p.flowing)
		}
	}
}
