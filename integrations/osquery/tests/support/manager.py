"""A stand-in for osqueryd's extension manager, for fetter-osquery's tests.

osqueryd cannot be installed on the test machines, so this speaks its real
Thrift protocol with the generated code PyPI's `osquery` package ships
(`osquery.extensions.ExtensionManager` / `Extension`): it listens on a Unix
socket as osqueryd does, accepts the extension's registration, answers its
pings, and calls its tables over `<socket>.<uuid>` as osqueryd does.

The Rust test drives it with one JSON command per line on stdin and reads
one JSON answer per line on stdout:

  {"cmd": "wait_registered", "timeout": 30}
  {"cmd": "call", "table": "fetter_packages", "request": {"action": "generate", "context": "..."}}
  {"cmd": "ping"}                        extension's ping status
  {"cmd": "raw", "hex": "...", "read": false}   bytes on a fresh connection, then close
  {"cmd": "die_on_next_ping"}            exit while the extension waits for a ping answer
  {"cmd": "exit"}                        the manager goes away (sockets closed)

Usage: python manager.py SOCKET
"""

import json
import os
import socket
import sys
import threading
import time

from thrift.protocol import TBinaryProtocol
from thrift.server import TServer
from thrift.transport import TSocket, TTransport

from osquery.extensions import Extension, ExtensionManager
from osquery.extensions.ttypes import ExtensionResponse, ExtensionStatus

UUID = 7


def ok(**kw):
    # A default ExtensionStatus leaves `code` unset: set 0 explicitly, as
    # osqueryd's C++ structs always carry it.
    return ExtensionStatus(code=0, message="OK", **kw)


class Manager(ExtensionManager.Iface):
    def __init__(self):
        self.registered = threading.Event()
        self.info = None
        self.registry = None
        self.pings = 0
        self.die_on_ping = False
        self.deregistered = False

    # Extension (the manager is also an extension of itself)
    def ping(self):
        self.pings += 1
        if self.die_on_ping:
            # Mid-call: the extension has sent its ping and waits.
            reply({"died": "mid-ping"})
            os._exit(0)
        return ok()

    def call(self, registry, item, request):
        return ExtensionResponse(
            status=ExtensionStatus(code=1, message="no plugins here"), response=[]
        )

    def shutdown(self):
        pass

    # ExtensionManager
    def extensions(self):
        return {}

    def options(self):
        return {}

    def registerExtension(self, info, registry):
        self.info = info
        self.registry = registry
        self.registered.set()
        return ok(uuid=UUID)

    def deregisterExtension(self, uuid):
        self.deregistered = True
        return ok(uuid=uuid)

    def query(self, sql):
        return ExtensionResponse(status=ExtensionStatus(code=1, message="unsupported"), response=[])

    def getQueryColumns(self, sql):
        return ExtensionResponse(status=ExtensionStatus(code=1, message="unsupported"), response=[])


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def extension_client(path):
    sock = TSocket.TSocket(unix_socket=path)
    sock.setTimeout(10000)
    transport = TTransport.TBufferedTransport(sock)
    protocol = TBinaryProtocol.TBinaryProtocol(transport)
    transport.open()
    return transport, Extension.Client(protocol)


def status(s):
    return None if s is None else {"code": s.code, "message": s.message, "uuid": s.uuid}


def main():
    path = sys.argv[1]
    handler = Manager()
    server_socket = TSocket.TServerSocket(unix_socket=path)
    server = TServer.TThreadedServer(
        ExtensionManager.Processor(handler),
        server_socket,
        TTransport.TBufferedTransportFactory(),
        TBinaryProtocol.TBinaryProtocolFactory(),
        daemon=True,
    )
    threading.Thread(target=server.serve, daemon=True).start()
    while not os.path.exists(path):
        time.sleep(0.01)
    reply({"listening": path})
    ext_path = "%s.%d" % (path, UUID)

    for line in sys.stdin:
        cmd = json.loads(line)
        name = cmd["cmd"]
        try:
            if name == "wait_registered":
                done = handler.registered.wait(cmd.get("timeout", 30))
                # The extension listens once registration returned.
                deadline = time.time() + 10
                while done and not os.path.exists(ext_path) and time.time() < deadline:
                    time.sleep(0.01)
                reply({
                    "registered": done,
                    "name": handler.info and handler.info.name,
                    "registry": handler.registry,
                    "socket": ext_path,
                    "listening": os.path.exists(ext_path),
                })
            elif name == "call":
                transport, client = extension_client(ext_path)
                try:
                    started = time.monotonic()
                    r = client.call("table", cmd["table"], cmd["request"])
                    elapsed = time.monotonic() - started
                    reply({"status": status(r.status), "rows": r.response, "seconds": elapsed})
                finally:
                    transport.close()
            elif name == "ping":
                transport, client = extension_client(ext_path)
                try:
                    reply({"status": status(client.ping())})
                finally:
                    transport.close()
            elif name == "raw":
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.settimeout(10)
                s.connect(ext_path)
                s.sendall(bytes.fromhex(cmd["hex"]))
                got = b""
                if cmd.get("read"):
                    s.shutdown(socket.SHUT_WR)
                    try:
                        while True:
                            chunk = s.recv(65536)
                            if not chunk:
                                break
                            got += chunk
                    except socket.timeout:
                        reply({"error": "timeout: the extension neither answered nor closed"})
                        s.close()
                        continue
                s.close()
                reply({"sent": len(cmd["hex"]) // 2, "received": len(got)})
            elif name == "encode_call":
                # The bytes osqueryd would send for this call, for the test
                # to cut short or corrupt.
                buf = TTransport.TMemoryBuffer()
                client = Extension.Client(TBinaryProtocol.TBinaryProtocol(buf))
                client.send_call("table", cmd["table"], cmd["request"])
                reply({"hex": buf.getvalue().hex()})
            elif name == "die_on_next_ping":
                handler.die_on_ping = True
                reply({"armed": True})
            elif name == "state":
                reply({"pings": handler.pings, "deregistered": handler.deregistered})
            elif name == "exit":
                reply({"exiting": True})
                os._exit(0)
            else:
                reply({"error": "unknown command %s" % name})
        except Exception as e:  # the test reads the failure, never hangs
            reply({"error": "%s: %s" % (type(e).__name__, e)})


if __name__ == "__main__":
    main()
