"""The README's shared deployment works as written: its nginx configuration, run with a test
certificate, password file and ports, in front of a real dagster-webserver. Without a password
every request is refused (401); with one, the UI, its GraphQL API and the WebSocket upgrade of
its live updates pass. Skipped where nginx or openssl is not installed (apt-get install nginx)."""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)


def readme_nginx_conf() -> str:
    section = REPO.joinpath("README.md").read_text(encoding="utf-8").split("## Shared deployment", 1)[1]
    return re.search(r"```nginx\n(.*?)```", section, re.S).group(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url: str, auth: str | None = None, data: bytes | None = None):
    headers = {"Authorization": "Basic " + base64.b64encode(auth.encode()).decode()} if auth else {}
    if data is not None:
        headers["Content-Type"] = "application/json"
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers), context=ctx,
                                    timeout=20) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def websocket_upgrade(port: int, auth: str) -> str:
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=20) as raw, \
            ctx.wrap_socket(raw, server_hostname="localhost") as s:
        key = base64.b64encode(os.urandom(16)).decode()
        s.sendall((f"GET /graphql HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: graphql-ws\r\n"
                   f"Authorization: Basic {base64.b64encode(auth.encode()).decode()}\r\n\r\n").encode())
        return s.recv(4096).decode("latin-1").split("\r\n", 1)[0]


@pytest.mark.skipif(NGINX is None or shutil.which("openssl") is None, reason="nginx or openssl not installed")
def test_readme_nginx_configuration_guards_the_dagster_ui(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text((REPO / "dagster.yaml").read_text())
    web_port, proxy_port = free_port(), free_port()
    key, cert, users = tmp_path / "key.pem", tmp_path / "cert.pem", tmp_path / "htpasswd"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=localhost"], check=True, capture_output=True)
    hashed = subprocess.run(["openssl", "passwd", "-apr1", "s3cret"], check=True, capture_output=True, text=True).stdout
    users.write_text(f"dana:{hashed.strip()}\n")
    conf = (readme_nginx_conf()
            .replace("listen 443 ssl;", f"listen 127.0.0.1:{proxy_port} ssl;")
            .replace("/etc/ssl/certs/scorecards.pem", str(cert))
            .replace("/etc/ssl/private/scorecards.key", str(key))
            .replace("/etc/nginx/scorecards.htpasswd", str(users))
            .replace("http://127.0.0.1:3000", f"http://127.0.0.1:{web_port}"))
    assert conf.count(str(tmp_path)) == 3 and str(proxy_port) in conf and str(web_port) in conf
    (tmp_path / "nginx.conf").write_text(conf)
    web = subprocess.Popen([str(Path(sys.executable).with_name("dagster-webserver")), "-m", "assets.definitions",
                            "-h", "127.0.0.1", "-p", str(web_port)], cwd=REPO,
                           env={**os.environ, "DAGSTER_HOME": str(home)}, start_new_session=True,
                           stdout=open(tmp_path / "web.log", "w"), stderr=subprocess.STDOUT)
    proxy = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e", str(tmp_path / "error.log"),
                              "-g", f"daemon off; pid {tmp_path / 'nginx.pid'}; user root;"],  # workers read the 0700 tmp folder,
                             stdout=open(tmp_path / "nginx.log", "w"), stderr=subprocess.STDOUT)
    try:
        base = f"https://127.0.0.1:{proxy_port}"
        deadline = time.monotonic() + 240
        while request(f"{base}/server_info", "dana:s3cret")[0] != 200:
            assert time.monotonic() < deadline and web.poll() is None and proxy.poll() is None, \
                (tmp_path / "web.log").read_text()[-1500:] + (tmp_path / "nginx.log").read_text()[-1500:] \
                + ((tmp_path / "error.log").read_text()[-1500:] if (tmp_path / "error.log").exists() else "")
            time.sleep(1)
        assert request(f"{base}/server_info")[0] == 401
        assert request(f"{base}/server_info", "dana:wrong")[0] == 401
        assert request(f"{base}/graphql", data=b'{"query": "{ version }"}')[0] == 401
        status, body = request(f"{base}/graphql", "dana:s3cret", data=json.dumps(
            {"query": "{ repositoriesOrError { ... on RepositoryConnection { nodes { jobs { name } } } } }"}).encode())
        assert status == 200
        jobs = {j["name"] for n in json.loads(body)["data"]["repositoriesOrError"]["nodes"] for j in n["jobs"]}
        assert {"yearly_scorecards", "rerender_schools", "deliver_scorecards"} <= jobs
        status, page = request(f"{base}/", "dana:s3cret")
        assert status == 200 and b"<html" in page.lower()
        assert websocket_upgrade(proxy_port, "dana:s3cret") == "HTTP/1.1 101 Switching Protocols"
    finally:
        proxy.terminate()
        proxy.wait(timeout=30)
        os.killpg(web.pid, 15)
        web.wait(timeout=60)
