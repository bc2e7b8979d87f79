/**
 * The per-object computation: one station file in, the station's highest daily maximum
 * temperature (TMAX) per month out, with the day it was reached. The file is scanned as bytes
 * arrive, line by line (a station-year is ~50 KB, a century of one station ~5 MB: never one big
 * string), and checked strictly: a file that is not GHCN-Daily CSV fails with
 * {@link CorruptStationFileError} naming the object, the line and the problem, rather than
 * giving a wrong maximum. Values that failed GHCN's quality checks (Q-FLAG set) are skipped.
 */
import { CorruptStationFileError } from './errors.ts';
import { ELEMENTS, GHCN_COLUMNS, GHCN_HEADER, MISSING_VALUE } from './ghcn-format.ts';

/** A month's maximum at one station. */
export interface MonthMax {
  /** `YYYY-MM`. */
  readonly month: string;
  /** The highest TMAX of the month, tenths of °C. */
  readonly tmax: number;
  /** The first day (`YYYYMMDD`) it was reached. */
  readonly date: string;
}

/** What one station file gives. */
export interface StationMonthlyMax {
  readonly key: string;
  /** The station id of its rows (null for a file with a header and no rows). */
  readonly station: string | null;
  /** Data rows read. */
  readonly rows: number;
  /** TMAX values used. */
  readonly tmaxValues: number;
  /** TMAX values skipped because they carry a quality flag. */
  readonly flaggedValues: number;
  /** One entry per month with at least one usable TMAX, in month order. */
  readonly months: readonly MonthMax[];
}

const NEWLINE = 0x0a;
/** The longest line accepted: a GHCN row is under 60 bytes; anything this long is not one. */
const MAX_LINE_BYTES = 4096;
/** Bytes decoded per TextDecoder call. */
const DECODE_SLICE_BYTES = 64 * 1024;
const COLUMNS = GHCN_COLUMNS.length;
const STATION_ID = /^[A-Z]{2}[A-Z0-9]{9}$/;
const DATE = /^(\d{4})(\d{2})(\d{2})$/;
const ELEMENT = /^[A-Z0-9]{4}$/;
const KNOWN_ELEMENTS: ReadonlySet<string> = new Set(Object.values(ELEMENTS));
const INTEGER = /^-?\d{1,6}$/;
const FLAG = /^[A-Za-z0-9]?$/;
const OBS_TIME = /^(?:[01]\d|2[0-4])[0-5]\d$|^$/;

/**
 * Scans one station file pushed in chunks. `push` each chunk as it arrives, then `finish()`;
 * either throws {@link CorruptStationFileError} at the first problem.
 */
export class StationFileScanner {
  readonly #key: string;
  readonly #decoder = new TextDecoder('utf-8', { fatal: true });
  #carry = '';
  /** The last date checked against the calendar: rows come several to a day. */
  #lastValidDate = '';
  /** The last flags and OBS_TIME found valid (`M,Q,S,TIME`). */
  #lastValidFlags = '';
  #bytes = 0;
  #line = 0;
  #station: string | null = null;
  #rows = 0;
  #tmaxValues = 0;
  #flagged = 0;
  readonly #months = new Map<string, { tmax: number; date: string }>();

  constructor(key: string) {
    this.#key = key;
  }

  /** Adds the next bytes of the object. */
  push(chunk: Uint8Array): void {
    const nul = chunk.indexOf(0);
    if (nul >= 0) this.#fail(`binary data: a NUL byte at byte ${this.#bytes + nul}`, false);
    // Decoded a slice at a time: one decoder call per slice, never one string of a whole large object.
    for (let at = 0; at < chunk.length; at += DECODE_SLICE_BYTES) {
      const slice = chunk.subarray(at, at + DECODE_SLICE_BYTES);
      let text: string;
      try {
        text = this.#decoder.decode(slice, { stream: true });
      } catch {
        this.#failOnInvalidUtf8(slice);
      }
      this.#lines(this.#carry + text);
    }
    this.#bytes += chunk.length;
  }

  /** Ends the object; returns the station's monthly maxima. */
  finish(): StationMonthlyMax {
    if (this.#bytes === 0) this.#fail('empty object (0 bytes)', false);
    let tail: string;
    try {
      tail = this.#decoder.decode();
    } catch {
      this.#line++;
      this.#fail('not UTF-8 text (the object ends inside a character)');
    }
    const last = this.#carry + tail;
    this.#carry = '';
    // A last line without a newline is fine when whole; a cut-off row fails its field count.
    if (last !== '') this.#text(last, true);
    if (this.#line === 0) this.#fail('no header row', false);
    const months = [...this.#months]
      .map(([month, m]) => ({ month, tmax: m.tmax, date: m.date }))
      .sort((a, b) => (a.month < b.month ? -1 : 1));
    return {
      key: this.#key,
      station: this.#station,
      rows: this.#rows,
      tmaxValues: this.#tmaxValues,
      flaggedValues: this.#flagged,
      months,
    };
  }

  /** Handles the complete lines of `text`; keeps the incomplete last one for the next bytes. */
  #lines(text: string): void {
    let start = 0;
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', start)) {
      this.#text(text.slice(start, at), false);
      start = at + 1;
    }
    this.#carry = start === 0 ? text : text.slice(start);
    if (this.#carry.length > MAX_LINE_BYTES) {
      this.#line++;
      this.#fail(`a line longer than ${MAX_LINE_BYTES} bytes: not a GHCN-Daily row`);
    }
  }

  /** The slow path of a decoding error: finds the line of the invalid bytes, for the message. */
  #failOnInvalidUtf8(slice: Uint8Array): never {
    const strict = new TextDecoder('utf-8', { fatal: true });
    let line = this.#line + 1;
    let start = 0;
    for (let at = slice.indexOf(NEWLINE); at >= 0; at = slice.indexOf(NEWLINE, start)) {
      try {
        strict.decode(slice.subarray(start, at));
      } catch {
        break;
      }
      line++;
      start = at + 1;
    }
    this.#line = line;
    this.#fail('not UTF-8 text (binary data?)');
  }

  #text(line: string, last: boolean): void {
    this.#line++;
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (this.#line === 1) {
      const header = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
      if (header !== GHCN_HEADER) {
        this.#fail(`the header is not GHCN-Daily's (${GHCN_HEADER}): got ${clip(header)}`);
      }
      return;
    }
    if (text === '') return;
    this.#row(text, last);
  }

  #row(text: string, last: boolean): void {
    const f = text.split(',');
    if (f.length !== COLUMNS) {
      const hint = last && f.length < COLUMNS ? ' (the object is truncated)' : '';
      this.#fail(`expected ${COLUMNS} fields, got ${f.length}${hint}: ${clip(text)}`);
    }
    // Every field is checked on every row; a field equal to the one last found valid is not checked twice.
    const id = f[0]!;
    if (id !== this.#station) this.#checkStation(id);
    const date = f[1]!;
    if (date !== this.#lastValidDate) this.#checkDate(date);
    const element = f[2]!;
    if (!KNOWN_ELEMENTS.has(element) && !ELEMENT.test(element)) {
      this.#fail(`ELEMENT ${clip(element)} is not a 4-character element code`);
    }
    const value = f[3]!;
    if (!INTEGER.test(value)) this.#fail(`DATA_VALUE ${clip(value)} of ${element} is not an integer`);
    const qFlag = f[5]!;
    const flags = `${f[4]},${qFlag},${f[6]},${f[7]}`;
    if (flags !== this.#lastValidFlags) this.#checkFlags(f[4]!, qFlag, f[6]!, f[7]!, flags);
    this.#rows++;
    if (element !== ELEMENTS.TMAX) return;
    const tmax = Number(value);
    if (tmax === MISSING_VALUE) return;
    if (qFlag !== '') {
      this.#flagged++;
      return;
    }
    this.#tmaxValues++;
    const month = `${date.slice(0, 4)}-${date.slice(4, 6)}`;
    const best = this.#months.get(month);
    // Ties keep the earliest day, whatever the row order.
    if (!best || tmax > best.tmax || (tmax === best.tmax && date < best.date)) {
      this.#months.set(month, { tmax, date });
    }
  }

  #checkStation(id: string): void {
    if (!STATION_ID.test(id)) this.#fail(`ID ${clip(id)} is not an 11-character GHCN station id`);
    if (this.#station !== null) this.#fail(`ID ${id} differs from the file's station ${this.#station}`);
    this.#station = id;
  }

  #checkDate(date: string): void {
    const d = DATE.exec(date);
    if (!d || !isCalendarDate(+d[1]!, +d[2]!, +d[3]!))
      this.#fail(`DATE ${clip(date)} is not a YYYYMMDD date`);
    this.#lastValidDate = date;
  }

  #checkFlags(mFlag: string, qFlag: string, sFlag: string, obsTime: string, all: string): void {
    if (!FLAG.test(mFlag) || !FLAG.test(qFlag) || !FLAG.test(sFlag)) {
      this.#fail(
        `a flag (M_FLAG ${clip(mFlag)}, Q_FLAG ${clip(qFlag)}, S_FLAG ${clip(sFlag)}) is not one character`,
      );
    }
    if (!OBS_TIME.test(obsTime)) this.#fail(`OBS_TIME ${clip(obsTime)} is not HHMM`);
    this.#lastValidFlags = all;
  }

  #fail(problem: string, withLine = true): never {
    const where = withLine ? `line ${this.#line}: ` : '';
    throw new CorruptStationFileError(`${this.#key}: ${where}${problem}`);
  }
}

/** Scans a whole station file given as chunks (an S3 body stream, or one buffer). */
export async function scanStationFile(
  key: string,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): Promise<StationMonthlyMax> {
  const scanner = new StationFileScanner(key);
  for await (const chunk of chunks) scanner.push(chunk);
  return scanner.finish();
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/** A field or line quoted for an error message, at most 60 characters. */
function clip(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}
