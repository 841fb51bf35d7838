// The rollout tests' client loop (tests/clientLoop.ts) against a small local server whose answers the test switches:
// counts by status and socket error, the first output values of 200 answers, the first body of each failing status,
// several clients, the pause between requests, a timeout.
import { afterAll, beforeAll, expect, it } from 'vitest';
import http from 'node:http';
import type net from 'node:net';
import { clientLoop } from './clientLoop';

type Mode = 'ok' | 'bad' | 'reset' | 'cut' | 'garbled' | 'hang';
let mode: Mode = 'ok';
let value = 1.5;
const seen: Array<{ path: string; body: string; socket: net.Socket }> = [];
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (d: Buffer) => (body += d.toString()));
  req.on('end', () => {
    seen.push({ path: req.url ?? '', body, socket: req.socket });
    if (mode === 'ok') res.end(JSON.stringify({ outputs: [{ name: 'prob', data: [value] }] }));
    else if (mode === 'bad') res.writeHead(400).end(`{"error":"bad input ${seen.length}"}`);
    else if (mode === 'garbled') res.end('not json');
    else if (mode === 'reset') req.socket.destroy();
    else if (mode === 'cut') {
      res.writeHead(200, { 'content-length': '100' });
      res.write('{"outp');
      setTimeout(() => req.socket.destroy(), 20);
    }
    // hang: no answer
  });
});
let port = 0;
const body = JSON.stringify({ inputs: [{ name: 'x', shape: [1, 1], datatype: 'FP32', data: [1] }] });
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

it('counts answers by status, keeps 200 values in order and the first body of each failing status', async () => {
  mode = 'ok';
  value = 1.5;
  seen.length = 0;
  const loop = clientLoop({ port, path: '/v2/models/m/infer', body, answers: true });
  await wait(100);
  value = 2.5;
  await wait(100);
  mode = 'bad';
  await wait(100);
  mode = 'garbled';
  await wait(50);
  await loop.stop();
  expect(seen.every((s) => s.path === '/v2/models/m/infer' && s.body === body)).toBe(true);
  expect(Object.keys(loop.counts).sort()).toEqual(['200', '400', 'unparsable 200']);
  expect(loop.answers).toHaveLength(loop.counts['200']!);
  expect(loop.answers.at(0)).toBe(1.5);
  expect(loop.answers.at(-1)).toBe(2.5);
  expect(loop.answers.indexOf(2.5)).toBeGreaterThan(loop.answers.lastIndexOf(1.5));
  expect(loop.firstBodies['400']).toMatch(/^\{"error":"bad input \d+"\}$/);
  expect(Number(loop.firstBodies['400']!.match(/\d+/)![0])).toBe(loop.counts['200']! + 1);
  expect(loop.firstBodies['unparsable 200']).toBe('not json');
  expect(loop.total()).toBe(seen.length);
  expect(loop.failures()).toBe(loop.counts['400']! + loop.counts['unparsable 200']!);
  expect(JSON.parse(loop.report())).toEqual({ counts: loop.counts, firstBodies: loop.firstBodies });
});

it('without answers a 200 is counted whatever its body; socket errors are counted by code', async () => {
  mode = 'garbled';
  const loop = clientLoop({ port, path: '/x', body });
  await wait(50);
  mode = 'reset';
  await wait(100);
  await loop.stop();
  expect(loop.answers).toEqual([]);
  expect(Object.keys(loop.counts).sort()).toEqual(['200', 'ECONNRESET']);
  expect(loop.failures()).toBe(loop.counts.ECONNRESET);
});

it('an answer cut off after its headers is one failure, never a 200', async () => {
  mode = 'cut';
  seen.length = 0;
  const loop = clientLoop({ port, path: '/x', body, answers: true });
  await wait(200);
  await loop.stop();
  expect(loop.counts['200']).toBeUndefined();
  expect(loop.total()).toBe(seen.length);
  expect(loop.failures()).toBe(seen.length);
  // One key (the socket error, ECONNRESET on Node 20+), each cut answer counted once.
  expect(Object.values(loop.counts), loop.report()).toEqual([seen.length]);
});

it('n clients run at once on their own sockets; a pause spaces one client’s requests', async () => {
  mode = 'ok';
  seen.length = 0;
  const loop = clientLoop({ port, path: '/p', body, clients: 3 });
  await wait(100);
  await loop.stop();
  expect(new Set(seen.map((s) => s.socket)).size).toBe(3);
  const fast = seen.length;
  seen.length = 0;
  const slow = clientLoop({ port, path: '/p', body, pauseMs: 50 });
  await wait(300);
  await slow.stop();
  expect(seen.length).toBeGreaterThanOrEqual(3);
  expect(seen.length).toBeLessThanOrEqual(8);
  expect(fast).toBeGreaterThan(seen.length * 3);
  expect(slow.failures()).toBe(0);
});

it('a request past timeoutMs is destroyed and counted as timeout; stop waits for the requests in flight', async () => {
  mode = 'hang';
  const loop = clientLoop({ port, path: '/h', body, timeoutMs: 100 });
  await wait(250);
  const t = Date.now();
  await loop.stop();
  expect(Date.now() - t).toBeLessThan(1000);
  expect(loop.counts).toEqual({ timeout: expect.any(Number) });
  expect(loop.counts.timeout).toBeGreaterThanOrEqual(2);
  expect(loop.failures()).toBe(loop.counts.timeout);
});
