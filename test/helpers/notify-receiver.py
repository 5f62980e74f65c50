# A systemd-style notify socket for the tests: binds a datagram socket at argv[1] ("@name" for
# an abstract one), prints "ready" once bound, then each datagram it receives as a JSON string
# on its own line, with the time it came (seconds since ready).
import json
import socket
import sys
import time

path = sys.argv[1]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind("\0" + path[1:] if path.startswith("@") else path)
start = time.monotonic()
print("ready", flush=True)
while True:
    data = sock.recv(4096)
    print(json.dumps({"message": data.decode("utf8", "replace"), "at": time.monotonic() - start}), flush=True)
