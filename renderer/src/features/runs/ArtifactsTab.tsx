import { useCallback, useEffect, useMemo, useState } from 'react';
import type { ArtifactFile, Output } from '../../../../shared/contract';
import { api } from '../../api/client';
import { DownloadIcon, FolderIcon, RefreshIcon } from '../../app/icons';
import { toast } from '../../app/toasts';
import { downloadBlob } from '../../lib/exportCsv';
import { describeError } from '../../lib/errors';
import { Spinner } from '../../ui/Spinner';
import { compareKeys } from './columns';
import { parseCsv } from '../../../../shared/lib/csv';
import { formatBytes, numberFormat } from './format';
import { ChevronIcon, FileIcon, ImageIcon } from './icons';
import { RegisterModelDialog } from '../models/RegisterModelDialog';

type Listing = { status: 'loading' } | { status: 'ok'; files: ArtifactFile[] } | { status: 'error'; message: string };
type Preview = Output<'tracking.readArtifact'>;
type TablePreview = Output<'tracking.previewArtifactTable'>;
type PreviewState = { status: 'loading'; path: string } | { status: 'ok'; path: string; data: Preview } | { status: 'error'; path: string; message: string };

const TEXT_MAX = 512 * 1024;
const IMAGE_MAX = 5_000_000;
const CSV_ROWS = 200;
const IMAGE_EXT = /\.(png|jpe?g|gif|webp|svg)$/i;
const PARQUET_EXT = /\.(parquet|pq)$/i;
const PARQUET_ROWS = 200;

const baseName = (p: string) => p.slice(p.lastIndexOf('/') + 1);
const MODEL_FILE = /(^|\/)(MLmodel|[^/]+\.onnx)$/;

/** The artifact folder to offer for "Register model": the selected model file's folder, a listed folder holding one, or a top-level model/. */
function modelFolder(listings: ReadonlyMap<string, Listing>, selected: string | undefined): string | null {
  if (selected && MODEL_FILE.test(selected)) return selected.includes('/') ? selected.slice(0, selected.lastIndexOf('/')) : '';
  for (const [dir, l] of listings) if (l.status === 'ok' && l.files.some((f) => !f.is_dir && MODEL_FILE.test(f.path))) return dir;
  const root = listings.get('');
  return root?.status === 'ok' && root.files.some((f) => f.is_dir && f.path === 'model') ? 'model' : null;
}
const sortFiles = (files: ArtifactFile[]) => [...files].sort((a, b) => Number(b.is_dir) - Number(a.is_dir) || compareKeys(baseName(a.path), baseName(b.path)));

function TreeLevel({
  parent,
  depth,
  listings,
  expanded,
  selected,
  onToggle,
  onSelect,
}: {
  parent: string;
  depth: number;
  listings: ReadonlyMap<string, Listing>;
  expanded: ReadonlySet<string>;
  selected: string | null;
  onToggle: (path: string) => void;
  onSelect: (path: string) => void;
}) {
  const listing = listings.get(parent);
  const pad = { paddingLeft: 8 + depth * 14 };
  if (!listing || listing.status === 'loading') {
    return (
      <li className="artifact-status" style={pad}>
        <Spinner /> Loading…
      </li>
    );
  }
  if (listing.status === 'error') {
    return (
      <li className="artifact-status text-danger" style={pad}>
        {listing.message}
      </li>
    );
  }
  if (listing.files.length === 0 && depth > 0) {
    return (
      <li className="artifact-status muted" style={pad}>
        empty folder
      </li>
    );
  }
  return (
    <>
      {sortFiles(listing.files).map((f) => {
        const open = f.is_dir && expanded.has(f.path);
        const Icon = f.is_dir ? FolderIcon : IMAGE_EXT.test(f.path) ? ImageIcon : FileIcon;
        return (
          <li key={f.path} role="none">
            <button
              type="button"
              role="treeitem"
              aria-expanded={f.is_dir ? open : undefined}
              aria-selected={!f.is_dir ? selected === f.path : undefined}
              className={`artifact-item${selected === f.path ? ' selected' : ''}`}
              style={pad}
              onClick={() => (f.is_dir ? onToggle(f.path) : onSelect(f.path))}
              data-testid="artifact-item"
              data-path={f.path}
              data-kind={f.is_dir ? 'dir' : 'file'}
              title={f.path}
            >
              <ChevronIcon className={`artifact-chevron${open ? ' open' : ''}${f.is_dir ? '' : ' hidden'}`} width={12} height={12} />
              <Icon width={14} height={14} className="artifact-icon" />
              <span className="artifact-name truncate">{baseName(f.path)}</span>
              {!f.is_dir && f.file_size !== undefined ? <span className="artifact-size">{formatBytes(f.file_size)}</span> : null}
            </button>
            {open ? (
              <ul role="group" className="plain-list">
                <TreeLevel parent={f.path} depth={depth + 1} listings={listings} expanded={expanded} selected={selected} onToggle={onToggle} onSelect={onSelect} />
              </ul>
            ) : null}
          </li>
        );
      })}
    </>
  );
}

function CsvPreview({ text, tsv, truncated }: { text: string; tsv: boolean; truncated: boolean }) {
  const { rows, complete } = useMemo(() => parseCsv(text, CSV_ROWS + 1, tsv ? '\t' : ','), [text, tsv]);
  const [head, ...body] = rows;
  const totalLines = useMemo(() => (complete && !truncated ? text.split(/\r?\n/).filter((l) => l !== '').length - 1 : null), [text, complete, truncated]);
  if (!head) return <p className="muted">Empty file</p>;
  return (
    <>
      <p className="preview-note">
        {body.length < CSV_ROWS && complete && !truncated
          ? `${numberFormat.format(body.length)} row${body.length === 1 ? '' : 's'}`
          : `First ${numberFormat.format(Math.min(body.length, CSV_ROWS))} rows${totalLines !== null ? ` of ${numberFormat.format(totalLines)}` : ''}`}
      </p>
      <div className="preview-table-wrap">
        <table className="preview-table">
          <thead>
            <tr>
              <th className="preview-rownum">#</th>
              {head.map((h, i) => (
                <th key={i}>{h}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {body.slice(0, CSV_ROWS).map((r, i) => (
              <tr key={i}>
                <td className="preview-rownum">{i + 1}</td>
                {head.map((_, j) => (
                  <td key={j}>{r[j] ?? ''}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function JsonPreview({ text, truncated }: { text: string; truncated: boolean }) {
  const pretty = useMemo(() => {
    try {
      return JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      return null;
    }
  }, [text]);
  return (
    <>
      {pretty === null ? <p className="preview-note">{truncated ? 'Truncated JSON, shown as text.' : 'Not valid JSON, shown as text.'}</p> : null}
      <pre className="preview-text">{pretty ?? text}</pre>
    </>
  );
}

/** A Parquet file's first rows, read by the engine (DuckDB); "preview not available" (with the size) when it cannot. */
function ParquetPreview({ runId, path, size }: { runId: string; path: string; size: number }) {
  const [state, setState] = useState<{ status: 'loading' } | { status: 'ok'; data: TablePreview } | { status: 'error'; message: string }>({ status: 'loading' });
  useEffect(() => {
    let alive = true;
    setState({ status: 'loading' });
    api.tracking.previewArtifactTable({ runId, path, maxRows: PARQUET_ROWS }).then(
      (data) => alive && setState({ status: 'ok', data }),
      (e: unknown) => alive && setState({ status: 'error', message: describeError(e) }),
    );
    return () => {
      alive = false;
    };
  }, [runId, path]);
  if (state.status === 'loading') return <Spinner label="Reading the Parquet file" size={14} />;
  if (state.status === 'error') {
    return (
      <div className="tab-empty" data-testid="table-preview-unavailable">
        <p>Preview not available · {formatBytes(size)}</p>
        <p className="muted small">{state.message}</p>
      </div>
    );
  }
  const { columns, rows, totalRows } = state.data;
  return (
    <>
      <p className="preview-note" data-testid="table-preview-note">
        {totalRows !== null && totalRows <= rows.length
          ? `${numberFormat.format(rows.length)} row${rows.length === 1 ? '' : 's'}`
          : `First ${numberFormat.format(rows.length)} rows${totalRows !== null ? ` of ${numberFormat.format(totalRows)}` : ''}`}{' '}
        · {columns.length} column{columns.length === 1 ? '' : 's'} · Parquet
      </p>
      <div className="preview-table-wrap">
        <table className="preview-table" data-testid="table-preview" data-rows={rows.length} data-total={totalRows ?? undefined}>
          <thead>
            <tr>
              <th className="preview-rownum">#</th>
              {columns.map((c, i) => (
                <th key={i} title={`${c.name}: ${c.type}`}>
                  {c.name}
                  <span className="preview-type">{c.type}</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={i}>
                <td className="preview-rownum">{i + 1}</td>
                {columns.map((_, j) => (
                  <td key={j}>{r[j] ?? <span className="cell-empty">null</span>}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function PreviewBody({ data, runId }: { data: Preview; runId: string }) {
  // Parquet: rows read by the engine (only the file's size came with `data`).
  if (PARQUET_EXT.test(data.path)) return <ParquetPreview runId={runId} path={data.path} size={data.size} />;
  const truncNote = data.truncated ? (
    <p className="preview-note callout">
      Showing the first {formatBytes(data.text !== undefined ? TEXT_MAX : IMAGE_MAX)} of {formatBytes(data.size)}.
    </p>
  ) : null;
  switch (data.kind) {
    case 'image':
      if (data.truncated || !data.base64) return <p className="muted">This image is too large to preview ({formatBytes(data.size)}).</p>;
      return (
        <div className="preview-image">
          <img src={`data:${data.mime};base64,${data.base64}`} alt={data.path} />
        </div>
      );
    case 'json':
      return (
        <>
          {truncNote}
          <JsonPreview text={data.text ?? ''} truncated={data.truncated} />
        </>
      );
    case 'csv':
      return (
        <>
          {truncNote}
          <CsvPreview text={data.text ?? ''} tsv={/\.tsv$/i.test(data.path)} truncated={data.truncated} />
        </>
      );
    case 'text':
      return (
        <>
          {truncNote}
          <pre className="preview-text">{data.text ?? ''}</pre>
        </>
      );
    case 'binary':
      return (
        <div className="tab-empty">
          <p>Binary file · {formatBytes(data.size)}</p>
          <p className="muted small">No preview for this file type.</p>
        </div>
      );
  }
}

function download(data: Preview): void {
  const name = baseName(data.path);
  if (data.base64) {
    const bin = atob(data.base64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    downloadBlob(new Blob([bytes], { type: data.mime }), name);
  } else if (data.text !== undefined) downloadBlob(new Blob([data.text], { type: `${data.mime};charset=utf-8` }), name);
}

/** Lazy tree of the run's artifacts with a preview pane (text, JSON, CSV, images, binary notice). */
export function ArtifactsTab({ runId, artifactUri }: { runId: string; artifactUri: string }) {
  const [listings, setListings] = useState<ReadonlyMap<string, Listing>>(new Map());
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [preview, setPreview] = useState<PreviewState | null>(null);
  const [registering, setRegistering] = useState<string | null>(null);

  const list = useCallback(
    (path: string) => {
      setListings((m) => new Map(m).set(path, { status: 'loading' }));
      api.tracking.listArtifacts({ runId, path }).then(
        (files) => setListings((m) => new Map(m).set(path, { status: 'ok', files })),
        (e: unknown) => setListings((m) => new Map(m).set(path, { status: 'error', message: describeError(e) })),
      );
    },
    [runId],
  );

  useEffect(() => {
    list('');
  }, [list]);

  const toggle = (path: string) => {
    const next = new Set(expanded);
    if (next.has(path)) next.delete(path);
    else {
      next.add(path);
      const l = listings.get(path);
      if (!l || l.status === 'error') list(path);
    }
    setExpanded(next);
  };

  const select = (path: string) => {
    setPreview({ status: 'loading', path });
    api.tracking.readArtifact({ runId, path, maxBytes: IMAGE_EXT.test(path) ? IMAGE_MAX : PARQUET_EXT.test(path) ? 1 : TEXT_MAX }).then(
      (data) => setPreview((p) => (p?.path === path ? { status: 'ok', path, data } : p)),
      (e: unknown) => setPreview((p) => (p?.path === path ? { status: 'error', path, message: describeError(e) } : p)),
    );
  };

  const refresh = () => {
    setExpanded(new Set());
    setListings(new Map());
    list('');
  };

  const root = listings.get('');
  const empty = root?.status === 'ok' && root.files.length === 0;
  const model = modelFolder(listings, preview?.path);
  return (
    <div className="artifacts-tab">
      <div className="artifacts-tree">
        <div className="artifacts-tree-head">
          <span className="mono truncate muted small" title={artifactUri}>
            {artifactUri}
          </span>
          {model !== null ? (
            <button
              type="button"
              className="button button-xs"
              onClick={() => setRegistering(model)}
              title={`Register ${model || 'the artifact root'} as a model version`}
              data-testid="register-model"
            >
              Register model
            </button>
          ) : null}
          <button type="button" className="icon-button" onClick={refresh} aria-label="Reload artifacts" title="Reload">
            <RefreshIcon width={14} height={14} />
          </button>
        </div>
        {empty ? (
          <div className="tab-empty">
            <p>No artifacts.</p>
            <p className="muted small">
              Log files with <code>mlflow.log_artifact(path)</code>.
            </p>
          </div>
        ) : (
          <ul className="plain-list artifact-list" role="tree" aria-label="Artifacts">
            <TreeLevel parent="" depth={0} listings={listings} expanded={expanded} selected={preview?.path ?? null} onToggle={toggle} onSelect={select} />
          </ul>
        )}
      </div>
      <div
        className="artifact-preview"
        data-testid="artifact-preview"
        data-path={preview?.path}
        data-kind={preview?.status === 'ok' ? (PARQUET_EXT.test(preview.path) ? 'parquet' : preview.data.kind) : undefined}
      >
        {!preview ? (
          <div className="tab-empty muted">{empty ? '' : 'Select a file to preview it.'}</div>
        ) : (
          <>
            <header className="artifact-preview-head">
              <span className="mono truncate" title={preview.path}>
                {preview.path}
              </span>
              {preview.status === 'ok' ? (
                <>
                  <span className="muted small">
                    {formatBytes(preview.data.size)} · {PARQUET_EXT.test(preview.path) ? 'Parquet' : preview.data.mime}
                  </span>
                  {!preview.data.truncated && (preview.data.text !== undefined || preview.data.base64) ? (
                    <button
                      type="button"
                      className="button button-xs"
                      onClick={() => {
                        download(preview.data);
                        toast.success(`Downloaded ${baseName(preview.path)}`);
                      }}
                    >
                      <DownloadIcon width={12} height={12} />
                      Download
                    </button>
                  ) : null}
                </>
              ) : null}
            </header>
            <div className="artifact-preview-body">
              {preview.status === 'loading' ? (
                <Spinner label="Loading preview" size={14} />
              ) : preview.status === 'error' ? (
                <p className="field-error">{preview.message}</p>
              ) : (
                <PreviewBody data={preview.data} runId={runId} />
              )}
            </div>
          </>
        )}
      </div>
      {registering !== null ? <RegisterModelDialog runId={runId} path={registering} onClose={() => setRegistering(null)} /> : null}
    </div>
  );
}
