import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { feedbackResponse, modelMetadata, type InferInputTensor, type TensorMeta } from '../../../shared/runtime';

/**
 * The demo's traffic: rows of the demo project's data sent to a deployed demo model through its stable port — first
 * rows of data/train.csv (what the model was trained on: no drift), then the drifted data/production.csv — in batch
 * OIP requests, with the true labels sent late through POST /mldesk/feedback (each phase's labels after its last
 * prediction). Only HTTP to 127.0.0.1:<port>: `mldesk demo`, `mldesk demo --traffic`, the tests and the bench use it.
 */

export interface DemoTrafficOptions {
  /** The deployment's stable port on 127.0.0.1. */
  port: number;
  /** The served model's name (the OIP path). */
  model: string;
  /** The demo project folder (data/train.csv, data/production.csv, data/drift.json). */
  projectDir: string;
  /** Rows like the training data (default 1500), then drifted rows (default 2500). */
  referenceRows?: number;
  driftedRows?: number;
  /** Rows per request (default 20). */
  batch?: number;
  concurrency?: number;
  /** Labels of a phase go this long after its last prediction (default 300 ms). */
  labelLagMs?: number;
  /** Send no labels. */
  noLabels?: boolean;
  /** Request id prefix (default: unique per replay). */
  tag?: string;
  onPhase?: (message: string) => void;
}

export interface DemoTrafficReport {
  requests: number;
  rows: number;
  failed: number;
  labels: number;
  tookMs: number;
  phases: Array<{ name: string; source: string; rows: number; requests: number }>;
}

/** RFC 4180 lines (the demo writes CRLF, quotes only fields with commas or quotes). */
export function parseCsv(text: string, maxRows = Infinity): { header: string[]; rows: string[][] } {
  const lines: string[][] = [];
  let field = '';
  let row: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
      continue;
    }
    if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (row.length > 1 || row[0] !== '') lines.push(row);
      row = [];
      if (lines.length > maxRows) break;
    } else field += ch;
  }
  if (field !== '' || row.length) {
    row.push(field);
    lines.push(row);
  }
  const [header = [], ...rows] = lines;
  return { header, rows: rows.slice(0, maxRows) };
}

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

function convert(v: string | undefined, dt: TensorMeta['datatype']): unknown {
  const s = (v ?? '').trim();
  switch (dt) {
    case 'FP32':
    case 'FP64': {
      if (s === '') return null;
      const n = Number(s);
      return Number.isFinite(n) ? n : null;
    }
    case 'INT32':
    case 'INT64': {
      const n = Number(s);
      return Number.isFinite(n) ? Math.trunc(n) : 0;
    }
    case 'BOOL':
      return /^(1|true|yes|y|t)$/i.test(s);
    case 'BYTES':
      return s;
  }
}

interface Answer {
  status: number;
  body: string;
}

function post(agent: http.Agent, port: number, p: string, body: unknown, timeoutMs = 30_000): Promise<Answer> {
  const data = body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method: body === undefined ? 'GET' : 'POST', agent, timeout: timeoutMs, headers: body === undefined ? {} : { 'content-type': 'application/json', 'content-length': data.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body === undefined ? undefined : data);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function replayDemoTraffic(opts: DemoTrafficOptions): Promise<DemoTrafficReport> {
  const t0 = Date.now();
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency ?? 2 });
  const say = opts.onPhase ?? (() => undefined);
  const batch = Math.max(1, opts.batch ?? 20);
  const tag = opts.tag ?? `demo-${Date.now().toString(36)}`;
  const report: DemoTrafficReport = { requests: 0, rows: 0, failed: 0, labels: 0, tookMs: 0, phases: [] };
  try {
    const meta = await post(agent, opts.port, `/v2/models/${encodeURIComponent(opts.model)}`, undefined);
    if (meta.status !== 200) throw new Error(`the deployment on port ${opts.port} does not serve ${opts.model} (GET /v2/models/${opts.model} → ${meta.status})`);
    const inputs = modelMetadata.parse(JSON.parse(meta.body)).inputs;
    let labelColumn = 'default';
    try {
      labelColumn = (JSON.parse(fs.readFileSync(path.join(opts.projectDir, 'data', 'drift.json'), 'utf8')) as { label?: string }).label ?? labelColumn;
    } catch {
      // the demo's own label column
    }
    const phases = [
      { name: 'like the training data', file: 'data/train.csv', rows: opts.referenceRows ?? 1500 },
      { name: 'drifted production batch', file: 'data/production.csv', rows: opts.driftedRows ?? 2500 },
    ];
    let n = 0;
    for (const ph of phases) {
      if (ph.rows <= 0) continue;
      const { header, rows } = parseCsv(fs.readFileSync(path.join(opts.projectDir, ph.file), 'utf8'), ph.rows);
      const col = new Map(header.map((h, i) => [norm(h), i]));
      const plan = inputs.map((m) => {
        const j = col.get(norm(m.name));
        if (j === undefined) throw new Error(`${ph.file} has no column for the model input '${m.name}'`);
        return { meta: m, j };
      });
      const labelAt = header.indexOf(labelColumn);
      say(`Sending ${rows.length} rows ${ph.name} (${ph.file}) in requests of ${batch}…`);
      const labels: Array<{ id: string; row: number; label: number | string }> = [];
      const chunks: string[][][] = [];
      for (let i = 0; i < rows.length; i += batch) chunks.push(rows.slice(i, i + batch));
      let next = 0;
      let requests = 0;
      const worker = async () => {
        while (next < chunks.length) {
          const chunk = chunks[next++]!;
          const id = `${tag}-${++n}`;
          const tensors: InferInputTensor[] = plan.map(({ meta: m, j }) => {
            const perRow = m.shape.length > 1 ? 1 : 0;
            return { name: m.name, datatype: m.datatype, shape: perRow ? [chunk.length, 1] : [chunk.length], data: chunk.map((r) => convert(r[j], m.datatype)) };
          });
          const a = await post(agent, opts.port, `/v2/models/${encodeURIComponent(opts.model)}/infer`, { id, inputs: tensors }).catch((e: Error) => ({ status: 0, body: e.message }));
          requests++;
          report.requests++;
          if (a.status !== 200) {
            report.failed++;
            continue;
          }
          report.rows += chunk.length;
          if (labelAt >= 0) {
            chunk.forEach((r, k) => {
              const raw = r[labelAt] ?? '';
              const num = Number(raw);
              labels.push({ id, row: k, label: raw !== '' && Number.isFinite(num) ? num : raw });
            });
          }
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 2) }, worker));
      report.phases.push({ name: ph.name, source: ph.file, rows: rows.length, requests });
      if (!opts.noLabels && labels.length) {
        await sleep(opts.labelLagMs ?? 300);
        for (let i = 0; i < labels.length; i += 5000) {
          const a = await post(agent, opts.port, '/mldesk/feedback', { feedback: labels.slice(i, i + 5000) });
          if (a.status !== 200) throw new Error(`POST /mldesk/feedback → ${a.status}: ${a.body.slice(0, 300)}`);
          report.labels += feedbackResponse.parse(JSON.parse(a.body)).accepted;
        }
        say(`  ${labels.length} labels sent late through POST /mldesk/feedback`);
      }
    }
  } finally {
    agent.destroy();
  }
  report.tookMs = Date.now() - t0;
  return report;
}
