/**
 * An incremental HTTP/1.1 response parser for the raw transport (raw-capture.ts): status line,
 * headers, then a body framed by content-length, chunked transfer coding, or the connection's
 * close. It is fed the socket's reads as they come and hands back the body bytes of each read, so
 * the caller can stamp every read. It keeps only what framing needs: no header map per reply.
 */

/** A reply that is not HTTP/1.x as we read it; `type` follows the names Bun's fetch gives. */
export class HttpParseError extends Error {
  readonly type: "Malformed_HTTP_Response" | "InvalidHTTPResponse";
  constructor(type: HttpParseError["type"], message: string) {
    super(message);
    this.type = type;
  }
}

/** A head larger than this is not a reply we want (fetch's own limit is of the same order). */
export const MAX_HEAD_BYTES = 64 * 1024;
/** A chunk-size line (hex digits and extensions) longer than this is garbage. */
const MAX_SIZE_LINE = 1024;

const enum State {
  Head,
  Length,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailer,
  UntilClose,
  Done,
}

const CR = 13;
const LF = 10;
const latin1 = new TextDecoder("latin1");

export class Http1ResponseParser {
  status = 0;
  statusText = "";
  contentType = "";
  /** The connection may carry another request after this reply. */
  keepAlive = true;
  /** Set once the whole head has been read. */
  headDone = false;
  #state = State.Head;
  /** Head bytes gathered across reads until the blank line. */
  #head: Uint8Array | null = null;
  #remaining = 0;
  /** The chunk-size line being read: its value so far, its length, and whether past the digits. */
  #size = 0;
  #sizeLen = 0;
  #sizeDigits = true;
  #trailerLine = 0;
  /** Bytes that followed the end of this reply in the last read (a pipelining server); never reused. */
  extra = 0;
  readonly #noBody: boolean;

  /** `noBody`: the request was HEAD (not sent by us today, but framing depends on it). */
  constructor(noBody = false) {
    this.#noBody = noBody;
  }

  get done(): boolean {
    return this.#state === State.Done;
  }

  /** The body runs until the connection closes: a close then completes it. */
  get endsAtClose(): boolean {
    return this.#state === State.UntilClose;
  }

  /**
   * Consumes one read. Body bytes go to `onBody` as ranges of `bytes` (no view is made: the caller
   * copies what it keeps, as the read's buffer is not its own). Throws HttpParseError on a reply
   * that cannot be framed.
   */
  feed(bytes: Uint8Array, onBody: (bytes: Uint8Array, start: number, end: number) => void): void {
    let i = 0;
    const n = bytes.length;
    while (i < n) {
      switch (this.#state) {
        case State.Head:
          i = this.#readHead(bytes, i);
          break;
        case State.Length: {
          const take = Math.min(this.#remaining, n - i);
          onBody(bytes, i, i + take);
          i += take;
          this.#remaining -= take;
          if (this.#remaining === 0) this.#state = State.Done;
          break;
        }
        case State.UntilClose:
          onBody(bytes, i, n);
          i = n;
          break;
        case State.ChunkSize:
          i = this.#readSizeLine(bytes, i);
          break;
        case State.ChunkData: {
          const take = Math.min(this.#remaining, n - i);
          onBody(bytes, i, i + take);
          i += take;
          this.#remaining -= take;
          if (this.#remaining === 0) {
            this.#state = State.ChunkDataEnd;
            this.#remaining = 2;
          }
          break;
        }
        case State.ChunkDataEnd: {
          // The CRLF after a chunk's data.
          const expected = this.#remaining === 2 ? CR : LF;
          if (bytes[i] !== expected) throw new HttpParseError("InvalidHTTPResponse", "A chunk of the chunked reply body did not end with CRLF");
          i++;
          if (--this.#remaining === 0) this.#state = State.ChunkSize;
          break;
        }
        case State.Trailer:
          i = this.#readTrailer(bytes, i);
          break;
        case State.Done:
          this.extra += n - i;
          return;
      }
    }
  }

  #readHead(bytes: Uint8Array, start: number): number {
    const prior = this.#head;
    const buf = prior === null ? (start === 0 ? bytes : bytes.subarray(start)) : concat(prior, bytes.subarray(start));
    // Search from a little before the new bytes: the blank line may straddle two reads.
    const from = prior === null ? 0 : Math.max(0, prior.length - 3);
    const end = findBlankLine(buf, from);
    if (end < 0) {
      if (buf.length > MAX_HEAD_BYTES) throw new HttpParseError("Malformed_HTTP_Response", `The reply's headers exceed ${MAX_HEAD_BYTES} bytes`);
      // Copied (Buffer#slice would be a view): the read's buffer is not ours past this call.
      this.#head = prior === null ? Uint8Array.prototype.slice.call(buf) : buf;
      return bytes.length;
    }
    this.#head = null;
    this.#parseHead(buf, end);
    // Bytes of `buf` past the head are bytes of `bytes` past the same point.
    return start + (end + 4 - (prior === null ? 0 : prior.length));
  }

  /**
   * The head's bytes [0, end), read where they lie: lines cut at CRLF, names matched byte by byte
   * (ASCII, either case), and only the values we keep decoded. Decoding the whole head, splitting
   * it and lower-casing every name cost ~1.5 µs per reply, ~3 % of a non-streamed request's CPU
   * in the worker. Same outcome as reading the latin1 text line by line
   * (tests/worker/http1-parser.test.ts compares the two on generated heads).
   */
  #parseHead(buf: Uint8Array, end: number): void {
    const statusEnd = lineEnd(buf, 0, end);
    const status = statusLine(buf, statusEnd);
    if (status < 0) throw new HttpParseError("Malformed_HTTP_Response", "The reply does not start with an HTTP/1.x status line");
    let eol = statusEnd;
    let length = -1;
    let chunked = false;
    let connection = "";
    let contentType = "";
    while (eol < end) {
      const start = eol + 2;
      eol = lineEnd(buf, start, end);
      const colon = buf.indexOf(COLON, start);
      if (colon <= start || colon >= eol) throw new HttpParseError("Malformed_HTTP_Response", "A reply header line has no name");
      switch (headerName(buf, start, colon)) {
        case Name.ContentLength: {
          const value = digitsValue(buf, colon + 1, eol);
          if (value < 0 || (length >= 0 && value !== length))
            throw new HttpParseError("InvalidHTTPResponse", "The reply's content-length is not one whole number");
          length = value;
          break;
        }
        case Name.TransferEncoding:
          chunked = /(?:^|,)\s*chunked\s*$/i.test(latin1.decode(buf.subarray(colon + 1, eol)).trim());
          break;
        case Name.Connection:
          connection = latin1
            .decode(buf.subarray(colon + 1, eol))
            .trim()
            .toLowerCase();
          break;
        case Name.ContentType:
          contentType = latin1.decode(buf.subarray(colon + 1, eol)).trim();
          break;
      }
    }
    // 1xx (100 Continue, 103 Early Hints) precede the real reply; 101 would switch protocols.
    if (status >= 100 && status < 200 && status !== 101) return;
    this.headDone = true;
    this.status = status;
    this.statusText = statusEnd > 13 ? latin1.decode(buf.subarray(13, statusEnd)) : "";
    this.contentType = contentType;
    this.keepAlive = buf[7] === ONE ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection);
    if (this.#noBody || status === 204 || status === 304 || status === 101) this.#state = State.Done;
    else if (chunked) this.#state = State.ChunkSize;
    else if (length >= 0) {
      this.#remaining = length;
      this.#state = length === 0 ? State.Done : State.Length;
    } else {
      this.keepAlive = false;
      this.#state = State.UntilClose;
    }
  }

  /** Hex digits, then optional `;extensions`, then CRLF; read byte by byte across reads (no string). */
  #readSizeLine(bytes: Uint8Array, start: number): number {
    for (let i = start; i < bytes.length; i++) {
      const b = bytes[i] as number;
      if (b === LF) {
        if (this.#sizeLen === 0) throw new HttpParseError("InvalidHTTPResponse", "A chunk size of the chunked reply body is not a hex number");
        const size = this.#size;
        this.#size = 0;
        this.#sizeLen = 0;
        this.#sizeDigits = true;
        if (size === 0) {
          this.#state = State.Trailer;
          this.#trailerLine = 0;
        } else {
          this.#remaining = size;
          this.#state = State.ChunkData;
        }
        return i + 1;
      }
      if (this.#sizeDigits) {
        const d = hexValue(b);
        if (d >= 0) {
          if (++this.#sizeLen > 12) throw new HttpParseError("InvalidHTTPResponse", "A chunk size of the chunked reply body is too large");
          this.#size = this.#size * 16 + d;
          continue;
        }
        if (this.#sizeLen === 0 || (b !== CR && b !== 0x3b && b !== 0x20 && b !== 0x09))
          throw new HttpParseError("InvalidHTTPResponse", "A chunk size of the chunked reply body is not a hex number");
        this.#sizeDigits = false;
      }
      // Extensions and whitespace after the digits are skipped, within a bound.
      if (++this.#sizeLen > MAX_SIZE_LINE) throw new HttpParseError("InvalidHTTPResponse", "A chunk-size line of the chunked reply body is too long");
    }
    return bytes.length;
  }

  /** Trailer lines after the last chunk, ignored, up to the blank line that ends the reply. */
  #readTrailer(bytes: Uint8Array, start: number): number {
    for (let i = start; i < bytes.length; i++) {
      const b = bytes[i];
      if (b === LF) {
        if (this.#trailerLine === 0) {
          this.#state = State.Done;
          return i + 1;
        }
        this.#trailerLine = 0;
      } else if (b !== CR) {
        if (++this.#trailerLine > MAX_HEAD_BYTES) throw new HttpParseError("InvalidHTTPResponse", "A trailer of the chunked reply body is too long");
      }
    }
    return bytes.length;
  }
}

const COLON = 0x3a;
const SPACE = 0x20;
const ZERO = 0x30;
const ONE = 0x31;

const enum Name {
  Other,
  ContentLength,
  TransferEncoding,
  Connection,
  ContentType,
}

/** Where the line starting at `from` ends: its CRLF, or `end`. */
function lineEnd(buf: Uint8Array, from: number, end: number): number {
  let i = buf.indexOf(CR, from);
  while (i >= 0 && i < end) {
    if (buf[i + 1] === LF) return i;
    i = buf.indexOf(CR, i + 1);
  }
  return end;
}

/**
 * The status code of `HTTP/1.x DDD[ reason]` in buf[0, end), or -1. The reason may hold any byte
 * but CR and LF (a line is cut at CRLF only, so a lone one can be left in it).
 */
function statusLine(buf: Uint8Array, end: number): number {
  if (end < 12) return -1;
  for (let i = 0; i < 7; i++) if (buf[i] !== HTTP1[i]) return -1;
  if ((buf[7] !== ZERO && buf[7] !== ONE) || buf[8] !== SPACE) return -1;
  let status = 0;
  for (let i = 9; i < 12; i++) {
    const d = (buf[i] as number) - ZERO;
    if (d < 0 || d > 9) return -1;
    status = status * 10 + d;
  }
  if (end === 12) return status;
  if (buf[12] !== SPACE) return -1;
  for (let i = 13; i < end; i++) if (buf[i] === CR || buf[i] === LF) return -1;
  return status;
}
const HTTP1 = [0x48, 0x54, 0x54, 0x50, 0x2f, 0x31, 0x2e]; // "HTTP/1."

/** buf[start, end) equals `lower` (lower-case ASCII) in either case. */
function nameIs(buf: Uint8Array, start: number, end: number, lower: string): boolean {
  if (end - start !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    const b = buf[start + i] as number;
    const c = lower.charCodeAt(i);
    // Letters match either case; other bytes only themselves.
    if (b !== c && !(c >= 0x61 && c <= 0x7a && b === c - 0x20)) return false;
  }
  return true;
}

/** The headers framing needs; any other name is Other. */
function headerName(buf: Uint8Array, start: number, end: number): Name {
  switch (end - start) {
    case 14:
      return nameIs(buf, start, end, "content-length") ? Name.ContentLength : Name.Other;
    case 17:
      return nameIs(buf, start, end, "transfer-encoding") ? Name.TransferEncoding : Name.Other;
    case 10:
      return nameIs(buf, start, end, "connection") ? Name.Connection : Name.Other;
    case 12:
      return nameIs(buf, start, end, "content-type") ? Name.ContentType : Name.Other;
    default:
      return Name.Other;
  }
}

/** What String#trim removes from latin1 text: tab, LF, VT, FF, CR, space and no-break space. */
function isTrimmed(b: number): boolean {
  return (b >= 9 && b <= 13) || b === SPACE || b === 0xa0;
}

/** buf[start, end), trimmed, as a whole decimal number (digits only), or -1. */
function digitsValue(buf: Uint8Array, start: number, end: number): number {
  while (start < end && isTrimmed(buf[start] as number)) start++;
  while (end > start && isTrimmed(buf[end - 1] as number)) end--;
  if (start === end) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const d = (buf[i] as number) - ZERO;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  // Past 15 digits the sum above may round differently from Number()'s one rounding.
  return end - start > 15 ? Number(latin1.decode(buf.subarray(start, end))) : value;
}

/** 0–15 for an ASCII hex digit, else -1. */
function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  const lower = b | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Index of the CRLFCRLF that ends a head, or -1. */
function findBlankLine(buf: Uint8Array, from: number): number {
  let i = buf.indexOf(CR, from);
  while (i >= 0 && i + 3 < buf.length) {
    if (buf[i + 1] === LF && buf[i + 2] === CR && buf[i + 3] === LF) return i;
    i = buf.indexOf(CR, i + 1);
  }
  return -1;
}
