# A --console-socket receiver for the tests, as conmon and containerd's shim are: accepts one
# connection, takes the descriptor sent with SCM_RIGHTS, then writes its argv[2] (if any) to
# the terminal and copies what the terminal shows to stdout until the other side closes.
# Prints "ready" once listening and "received NAME" once it has the descriptor.
import os
import socket
import sys

path = sys.argv[1]
typed = sys.argv[2].encode() if len(sys.argv) > 2 else b""
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(path)
server.listen(1)
print("ready", flush=True)
conn, _ = server.accept()
name, fds, _, _ = socket.recv_fds(conn, 4096, 1)
if len(fds) != 1:
    print("no descriptor", flush=True)
    sys.exit(2)
print("received " + name.decode(), flush=True)
master = fds[0]
if typed:
    os.write(master, typed)
while True:
    try:
        data = os.read(master, 4096)
    except OSError:
        break
    if not data:
        break
    sys.stdout.buffer.write(data)
    sys.stdout.flush()
