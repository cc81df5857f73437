#!/usr/bin/env python3
# post.py PORT REPORT N CONNS: N POSTs of REPORT to /v1/quote over CONNS keep-alive connections
import socket, sys, threading
port, report, n, conns = int(sys.argv[1]), open(sys.argv[2], 'rb').read(), int(sys.argv[3]), int(sys.argv[4])
req = (b"POST /v1/quote HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Length: %d\r\n"
       b"Content-Type: application/octet-stream\r\n\r\n" % (port, len(report))) + report
bad = [0]
def run(k):
    s = socket.create_connection(("127.0.0.1", port))
    for _ in range(k):
        s.sendall(req)
        buf = b""
        while b"\r\n\r\n" not in buf:
            buf += s.recv(4096)
        head, _, rest = buf.partition(b"\r\n\r\n")
        cl = [int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0]
        while len(rest) < cl:
            rest += s.recv(4096)
        if not head.startswith(b"HTTP/1.1 200"): bad[0] += 1
    s.close()
ts = [threading.Thread(target=run, args=(n // conns,)) for _ in range(conns)]
[t.start() for t in ts]; [t.join() for t in ts]
print("requests", n // conns * conns, "non-200", bad[0])
