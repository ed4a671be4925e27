// The agent's server spoken to directly (no API server): websocket subprotocols,
// status formats, resize, port-forward channels, refusals.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { ensurePki, issueCertificate, type ClusterPki } from '../../apiserver/index.js';
import { checkLeaksAfterAll } from '../../testing/index.js';
import { FakeBackend, HostExecRuntime } from './fakes.test-support.js';
import { KubeletServer } from './index.js';

checkLeaksAfterAll({ graceMs: 3000 });

describe('KubeletServer protocols', () => {
  let dir: string;
  let pki: ClusterPki;
  let server: KubeletServer;
  let runtime: HostExecRuntime;
  let port: number;
  let echo: Server;
  let echoPort: number;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-kubelet-server-'));
    pki = await ensurePki(join(dir, 'tls'));
    const serving = await issueCertificate(pki.ca, { commonName: 'node', usage: 'server', ipAddresses: ['127.0.0.1'] });
    runtime = new HostExecRuntime();
    const logPath = join(dir, 'c.log');
    writeFileSync(logPath, '2026-01-01T00:00:00Z stdout F hello\n');
    const backend = new FakeBackend([{ namespace: 'ns', pod: 'p', container: 'c', containerId: 'cid', logPath }], runtime);
    server = new KubeletServer({ tls: serving, clientCaPem: pki.ca.certPem, backend, runtime, host: '127.0.0.1', port: 0 });
    port = await server.start();
    echo = createServer((socket) => socket.pipe(socket));
    echoPort = await new Promise((resolve) => echo.listen(0, '127.0.0.1', () => resolve((echo.address() as { port: number }).port)));
  });

  after(async () => {
    await runtime.dispose();
    await server.close();
    await new Promise((resolve) => echo.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  function get(path: string, identity = pki.kubeletClient): Promise<{ code: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port, path, ca: pki.ca.certPem, cert: identity.certPem, key: identity.keyPem }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  /** Opens a websocket and collects messages until the server closes it. */
  function session(path: string, protocols: string[], onOpen?: (ws: WebSocket) => void): Promise<{ protocol: string; messages: (Buffer | string)[]; code: number }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`wss://127.0.0.1:${port}${path}`, protocols, { ca: pki.ca.certPem, cert: pki.kubeletClient.certPem, key: pki.kubeletClient.keyPem });
      const messages: (Buffer | string)[] = [];
      ws.on('message', (data: Buffer, isBinary) => messages.push(isBinary ? data : data.toString()));
      ws.on('open', () => onOpen?.(ws));
      ws.on('close', (code) => resolve({ protocol: ws.protocol, messages, code }));
      ws.on('unexpected-response', (_req, res) => {
        res.resume();
        reject(new Error(`HTTP ${res.statusCode}`));
      });
      ws.on('error', reject);
    });
  }

  const channel = (messages: (Buffer | string)[], n: number) =>
    Buffer.concat(messages.filter((m): m is Buffer => Buffer.isBuffer(m) && m[0] === n).map((m) => m.subarray(1))).toString();

  it('answers healthz and logs to the API server identity only', async () => {
    assert.deepEqual(await get('/healthz'), { code: 200, body: 'ok' });
    assert.equal((await get('/containerLogs/ns/p/c')).body, 'hello\n');
    const refused = await get('/healthz', pki.admin);
    assert.equal(refused.code, 403);
    assert.equal(JSON.parse(refused.body).reason, 'Forbidden');
    const missing = await get('/containerLogs/ns/p/nope');
    assert.equal(missing.code, 404);
    assert.equal((await get('/exec/ns/p/c?command=true&output=1')).body.includes('Upgrade request required'), true);
  });

  it('v4.channel.k8s.io: output channels and a Status with the exit code', async () => {
    const result = await session('/exec/ns/p/c?command=sh&command=-c&command=echo%20out;%20echo%20err%20>%262;%20exit%207&output=1&error=1', ['v4.channel.k8s.io']);
    assert.equal(result.protocol, 'v4.channel.k8s.io');
    assert.equal(channel(result.messages, 1), 'out\n');
    assert.equal(channel(result.messages, 2), 'err\n');
    assert.deepEqual(JSON.parse(channel(result.messages, 3)), {
      metadata: {},
      status: 'Failure',
      message: 'command terminated with non-zero exit code: error executing command [sh -c echo out; echo err >&2; exit 7], exit code 7',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '7' }] },
    });
  });

  it('v5.channel.k8s.io: stdin, the close channel, and resize', async () => {
    const result = await session('/exec/ns/p/c?command=cat&input=1&output=1&tty=1', ['v5.channel.k8s.io', 'v4.channel.k8s.io'], (ws) => {
      ws.send(Buffer.concat([Buffer.from([4]), Buffer.from('{"Width":100,"Height":40}')]));
      ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('typed\n')]));
      ws.send(Buffer.from([255, 0]));
    });
    assert.equal(result.protocol, 'v5.channel.k8s.io');
    assert.equal(channel(result.messages, 1), 'typed\n');
    assert.deepEqual(JSON.parse(channel(result.messages, 3)), { metadata: {}, status: 'Success' });
    assert.deepEqual(runtime.resizes, [{ width: 100, height: 40 }]);
  });

  it('base64.channel.k8s.io: text frames, errors as plain text', async () => {
    const result = await session('/exec/ns/p/c?command=sh&command=-c&command=echo%20b64;%20exit%201&output=1', ['base64.channel.k8s.io']);
    assert.equal(result.protocol, 'base64.channel.k8s.io');
    const text = result.messages.filter((m): m is string => typeof m === 'string');
    assert.equal(text.filter((m) => m[0] === '1').map((m) => Buffer.from(m.slice(1), 'base64').toString()).join(''), 'b64\n');
    assert.match(text.filter((m) => m[0] === '3').map((m) => Buffer.from(m.slice(1), 'base64').toString()).join(''), /exit code 1$/);
  });

  it('refuses unknown containers and protocols before upgrading', async () => {
    await assert.rejects(session('/exec/ns/p/nope?command=true&output=1', ['v4.channel.k8s.io']), /HTTP 404/);
    await assert.rejects(session('/exec/ns/p/c?command=true&output=1', ['nonsense']), /HTTP 400/);
  });

  it('port-forward over v4.channel.k8s.io: port prefixes, then data', async () => {
    const result = await session(`/portForward/ns/p?port=${echoPort}`, ['v4.channel.k8s.io'], (ws) => {
      ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('echo me')]));
      // The echo server answers, then the test hangs up.
      ws.on('message', (data: Buffer) => {
        if (data[0] === 0 && data.subarray(1).toString() === 'echo me') ws.close();
      });
    });
    const portBytes = Buffer.alloc(2);
    portBytes.writeUInt16LE(echoPort);
    const data = result.messages.filter((m): m is Buffer => Buffer.isBuffer(m) && m[0] === 0);
    assert.deepEqual(data[0]!.subarray(1), portBytes);
    assert.equal(Buffer.concat(data.slice(1).map((m) => m.subarray(1))).toString(), 'echo me');
    const errors = result.messages.filter((m): m is Buffer => Buffer.isBuffer(m) && m[0] === 1);
    assert.deepEqual(errors[0]!.subarray(1), portBytes);
  });

  it('attach streams the main process output', async () => {
    const result = await session('/attach/ns/p/c?output=1', ['v4.channel.k8s.io']);
    assert.equal(channel(result.messages, 1), 'attached to cid\n');
  });
});
