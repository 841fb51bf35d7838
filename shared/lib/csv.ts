/**
 * Minimal RFC 4180 reader (quoted fields, doubled quotes, CRLF/LF) that stops after `maxRows`: artifact
 * previews in the UI and delimiter sniffing in the engine. `complete` is false when it stopped early.
 */
export function parseCsv(text: string, maxRows: number, delimiter = ','): { rows: string[][]; complete: boolean } {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  const n = text.length;
  while (i < n) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
      i++;
      continue;
    }
    if (c === delimiter) {
      row.push(field);
      field = '';
      i++;
      continue;
    }
    if (c === '\r' || c === '\n') {
      row.push(field);
      field = '';
      rows.push(row);
      row = [];
      if (c === '\r' && text[i + 1] === '\n') i++;
      i++;
      if (rows.length >= maxRows) return { rows, complete: i >= n };
      continue;
    }
    field += c;
    i++;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return { rows, complete: true };
}

/**
 * Fields of one CSV record already checked by a strict reader (line terminators and blank lines after it
 * allowed). Slices instead of building fields a character at a time: the diff reads many rows back this way.
 */
export function splitRecord(text: string, delimiter = ','): string[] {
  let n = text.length;
  while (n > 0 && (text.charCodeAt(n - 1) === 10 || text.charCodeAt(n - 1) === 13)) n--;
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (text.charCodeAt(i) === 34) {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0 || q >= n) {
          value += text.slice(j, n);
          i = n;
          break;
        }
        value += text.slice(j, q);
        if (text.charCodeAt(q + 1) === 34) {
          value += '"';
          j = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      out.push(value);
    } else {
      let d = text.indexOf(delimiter, i);
      if (d < 0 || d > n) d = n;
      out.push(text.slice(i, d));
      i = d;
    }
    if (i >= n) return out;
    i++;
    if (i === n) {
      out.push('');
      return out;
    }
  }
}
