/**
 * Splits a command line into argv the way a POSIX shell would for simple input:
 * whitespace separates words, 'single quotes' are literal, "double quotes" allow \" \\ \$ \` escapes,
 * and a backslash outside quotes escapes the next character. No globbing, variables or operators.
 */
export class ShellSplitError extends Error {
  override readonly name = 'ShellSplitError';
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

export function shellSplit(src: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
      i++;
      continue;
    }
    inWord = true;
    if (c === "'") {
      const end = src.indexOf("'", i + 1);
      if (end < 0) throw new ShellSplitError('Unterminated single quote', i);
      cur += src.slice(i + 1, end);
      i = end + 1;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let closed = false;
      while (j < src.length) {
        const d = src[j] as string;
        if (d === '\\' && j + 1 < src.length && '"\\$`\n'.includes(src[j + 1] as string)) {
          if (src[j + 1] !== '\n') cur += src[j + 1];
          j += 2;
          continue;
        }
        if (d === '"') {
          closed = true;
          break;
        }
        cur += d;
        j++;
      }
      if (!closed) throw new ShellSplitError('Unterminated double quote', i);
      i = j + 1;
      continue;
    }
    if (c === '\\') {
      if (i + 1 >= src.length) throw new ShellSplitError('Trailing backslash', i);
      if (src[i + 1] !== '\n') cur += src[i + 1];
      i += 2;
      continue;
    }
    cur += c;
    i++;
  }
  if (inWord) out.push(cur);
  return out;
}

/** Quotes an argv back into a command line (for display and prefilling). */
export function shellJoin(argv: readonly string[]): string {
  return argv.map((a) => (a !== '' && /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

export interface ParamLinesResult {
  params: Record<string, string>;
  errors: { line: number; message: string }[];
}

/** `key=value` per line; blank lines and `# comments` are skipped; the value may contain '='. */
export function parseParamLines(text: string): ParamLinesResult {
  const params: Record<string, string> = {};
  const errors: ParamLinesResult['errors'] = [];
  text.split(/\r?\n/).forEach((raw, idx) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    if (eq <= 0) {
      errors.push({ line: idx + 1, message: `line ${idx + 1}: expected key=value, got “${line.length > 40 ? `${line.slice(0, 40)}…` : line}”` });
      return;
    }
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (Object.hasOwn(params, key)) errors.push({ line: idx + 1, message: `line ${idx + 1}: “${key}” is given twice` });
    params[key] = value;
  });
  return { params, errors };
}
