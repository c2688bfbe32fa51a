"""A local S3 server (s3rver from npm) and a Tansu broker on durable ``s3://`` storage, for fault tests.

* :func:`install_s3rver` installs the pinned s3rver into a project-local directory (``var/node`` by
  default, or ``EARSHOT_NODE_DIR``) with npm; ``make s3-deps`` and the test fixtures call it.
* :class:`LocalS3` runs it on 127.0.0.1 through a small launcher that adds what Tansu's S3 engine needs
  and s3rver lacks: **conditional writes**. Tansu keeps watermarks, group state and metadata as
  objects updated with ``If-Match: <etag>`` / ``If-None-Match: *`` and re-reads on 412. Plain s3rver
  ignores both headers, so a restarted broker silently overwrote ``watermark.json`` and wrote new
  batches from offset 0 over the old ones (every message published before the restart was lost).
  The launcher checks both preconditions and serialises requests per object (a GET never sees a
  half-written object).
* :func:`durable_broker` is a :class:`~earshot.services.broker.LocalBroker` on ``s3://BUCKET/`` with
  the AWS variables Tansu (Rust ``object_store``) reads: ``AWS_ENDPOINT``, ``AWS_ALLOW_HTTP``,
  ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``.

``python -m earshot.services.s3 install`` installs s3rver (used by the Makefile).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from earshot.services.broker import LocalBroker
from earshot.services.ports import free_port, wait_for_port
from earshot.services.process import stop_process

S3RVER_VERSION = "3.7.1"
ACCESS_KEY = "S3RVER"  # s3rver's built-in dummy credentials
SECRET_KEY = "S3RVER"
REGION = "us-east-1"

LAUNCHER = r"""'use strict';
// Earshot's s3rver launcher: s3rver plus S3 conditional writes (If-Match / If-None-Match on PUT),
// with requests serialised per object. Usage: node launcher.js DIR PORT BUCKET
const S3rver = require('s3rver');
const S3Error = require('s3rver/lib/models/error');

const [directory, port, bucket] = process.argv.slice(2);
const locks = new Map();

async function withLock(name, fn) {
  const previous = locks.get(name) || Promise.resolve();
  let release;
  const mine = new Promise(resolve => (release = resolve));
  const tail = previous.then(() => mine);
  locks.set(name, tail);
  await previous;
  try {
    return await fn();
  } finally {
    release();
    if (locks.get(name) === tail) locks.delete(name);
  }
}

function readAll(stream) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    stream.on('data', c => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks))).on('error', reject);
  });
}

const server = new S3rver({ directory, port: Number(port), address: '127.0.0.1', silent: true,
                            allowMismatchedSignatures: true, vhostBuckets: false,
                            configureBuckets: [{ name: bucket, configs: [] }] });

async function conditional(ctx, next) {
  const parts = ctx.path.split('/').filter(Boolean);
  if (parts.length < 2) return next();  // service and bucket requests
  const name = decodeURIComponent(parts[0]);
  const key = parts.slice(1).map(decodeURIComponent).join('/');
  return withLock(`${name}/${key}`, async () => {
    const ifMatch = ctx.get('if-match');
    const ifNoneMatch = ctx.get('if-none-match');
    if (ctx.method === 'PUT' && (ifMatch || ifNoneMatch)) {
      let etag = null;
      try {
        etag = (await server.store.getMetadata(name, key)).etag;
      } catch (err) {
        if (err.code !== 'ENOENT') throw err;
      }
      if (ifNoneMatch === '*' && etag !== null) {
        throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold',
                          { Condition: 'If-None-Match' });
      }
      if (ifMatch && etag === null) {
        throw new S3Error('NoSuchKey', 'The specified key does not exist.', { Key: key });
      }
      if (ifMatch && ifMatch !== '*' && ifMatch !== etag) {
        throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold',
                          { Condition: 'If-Match' });
      }
    }
    await next();
    // read a streamed body while the object is locked, so a concurrent PUT cannot tear it
    if (ctx.body && typeof ctx.body.pipe === 'function') ctx.body = await readAll(ctx.body);
  });
}

// after logging/XML/vhost handling, just before the router
server.middleware.splice(server.middleware.length - 1, 0, conditional);
server.run().then(address => console.log(`s3rver ${address.address}:${address.port} bucket ${bucket}`),
                  err => { console.error(err); process.exit(1); });
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => server.close().finally(() => process.exit(0)));
"""


class S3ServiceError(RuntimeError):
    """The local S3 server could not be installed or started."""


def default_node_dir() -> Path:
    """Where npm packages for tests go: ``EARSHOT_NODE_DIR`` or ``var/node`` in the repository."""
    env = os.environ.get("EARSHOT_NODE_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "var" / "node"


def _installed_version(node_dir: Path) -> str | None:
    try:
        return str(json.loads((node_dir / "node_modules" / "s3rver" / "package.json").read_text())["version"])
    except (OSError, ValueError, KeyError):
        return None


def install_s3rver(node_dir: Path | None = None, timeout: float = 300.0) -> Path:
    """Install s3rver ``S3RVER_VERSION`` (if not there yet) and the launcher; returns the launcher path."""
    node_dir = Path(node_dir or default_node_dir())
    launcher = node_dir / "earshot-s3rver.js"
    if _installed_version(node_dir) != S3RVER_VERSION:
        npm = shutil.which("npm")
        if npm is None or shutil.which("node") is None:
            raise S3ServiceError("the durable-broker fault test needs Node.js and npm to install s3rver "
                                 f"{S3RVER_VERSION} (a local S3 server): `apt-get install nodejs npm`, then "
                                 "`make s3-deps`")
        node_dir.mkdir(parents=True, exist_ok=True)
        if not (node_dir / "package.json").exists():
            (node_dir / "package.json").write_text('{"name": "earshot-test-node-deps", "private": true}\n')
        cmd = [npm, "install", "--prefix", str(node_dir), "--no-audit", "--no-fund", "--save-exact",
               f"s3rver@{S3RVER_VERSION}"]
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise S3ServiceError(f"`{' '.join(cmd)}` did not finish within {timeout:.0f}s") from exc
        if out.returncode != 0 or _installed_version(node_dir) != S3RVER_VERSION:
            raise S3ServiceError(f"`{' '.join(cmd)}` failed ({out.returncode}):\n{out.stdout[-2000:]}"
                                 f"{out.stderr[-2000:]}")
    if not launcher.exists() or launcher.read_text() != LAUNCHER:
        launcher.write_text(LAUNCHER)
    return launcher


class LocalS3:
    """s3rver on 127.0.0.1 with its files under ``base_dir/data`` (kept across restarts)."""

    def __init__(self, base_dir: Path, port: int | None = None, bucket: str = "tansu",
                 node_dir: Path | None = None) -> None:
        self.base_dir = Path(base_dir)
        self.port = port or free_port()
        self.bucket = bucket
        self.node_dir = Path(node_dir or default_node_dir())
        self.log_file = self.base_dir / "s3rver.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """What Tansu's S3 storage engine needs to reach this server."""
        return {"AWS_ENDPOINT": self.endpoint, "AWS_ALLOW_HTTP": "true", "AWS_ACCESS_KEY_ID": ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION}

    def start(self, timeout: float = 30.0) -> None:
        if self.proc is not None and self.proc.poll() is None:
            return
        launcher = install_s3rver(self.node_dir)
        node = shutil.which("node")
        if node is None:
            raise S3ServiceError("node not found: `apt-get install nodejs npm`")
        (self.base_dir / "data").mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "NODE_PATH": str(self.node_dir / "node_modules")}
        with open(self.log_file, "ab") as log:
            self.proc = subprocess.Popen([node, str(launcher), str(self.base_dir / "data"), str(self.port),
                                          self.bucket], stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, env=env, start_new_session=True)
        if not wait_for_port("127.0.0.1", self.port, timeout) or self.proc.poll() is not None:
            self.stop()
            raise S3ServiceError(f"s3rver did not listen on {self.endpoint} within {timeout}s; "
                                 f"see {self.log_file}:\n{self.log_file.read_text(errors='replace')[-2000:]}")

    def stop(self, timeout: float = 10.0) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            stop_process(proc, timeout)


def durable_broker(base_dir: Path, s3: LocalS3, port: int | None = None) -> LocalBroker:
    """A Tansu broker storing everything in ``s3``'s bucket: restart it and the topics, offsets and
    consumer groups are still there."""
    return LocalBroker(Path(base_dir), port=port or free_port(), storage=f"s3://{s3.bucket}/", env=s3.env())


def main(argv: list[str] | None = None) -> int:
    """``python -m earshot.services.s3 install [--dir DIR]``."""
    import argparse

    parser = argparse.ArgumentParser(prog="earshot-s3", description=__doc__)
    parser.add_argument("action", choices=["install"])
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args(argv)
    try:
        started = time.monotonic()
        launcher = install_s3rver(args.dir)
    except S3ServiceError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"s3rver {S3RVER_VERSION} ready ({launcher}, {time.monotonic() - started:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
