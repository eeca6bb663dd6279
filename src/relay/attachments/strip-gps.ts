/**
 * Removes location data from a JPEG as it streams, without re-encoding it: in the Exif segment the
 * GPS IFD is emptied in place, and in XMP the GPS properties are blanked with spaces, so no length
 * or offset anywhere in the file changes. From the start of scan (SOS) on, bytes pass unchanged,
 * except that a later image straight after an image's end (the secondary images of an MPF file)
 * has its header segments stripped the same way.
 *
 * Work is linear in the bytes, however they are chunked: held bytes are appended to one growing
 * buffer and the segment reader resumes where it stopped.
 */
import { Transform } from 'node:stream';

/** Header segments beyond this many bytes before SOS are not held: the image passes unchanged (the caller is told). */
export const MAX_HEADER_BYTES = 256 * 1024;

const SOS = 0xda;
const EOI = 0xd9;
const APP1 = 0xe1;
/** Markers that stand alone, without a length: TEM and RST0–RST7 (and SOI, already read). */
const STANDALONE = new Set([0x01, 0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8]);
/** An image's end followed at once by the start of another: how MPF stores its secondary images. */
const NEXT_IMAGE = Buffer.from([0xff, EOI, 0xff, 0xd8]);
const EMPTY = Buffer.alloc(0);

const EXIF_HEADER = Buffer.from('Exif\0\0', 'latin1');
const XMP_HEADERS = ['http://ns.adobe.com/xap/1.0/\0', 'http://ns.adobe.com/xmp/extension/\0'].map((text) =>
  Buffer.from(text, 'latin1'),
);

/** The GPSInfo tag in IFD0: the offset of the GPS IFD. */
const GPS_IFD_POINTER = 0x8825;
/** Bytes per value of each TIFF field type (TIFF 6.0 §2, Exif 2.3 §4.6.2). */
const TYPE_SIZES: Readonly<Record<number, number>> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8 };

interface Segment {
  marker: number;
  /** The payload: after the marker and length, up to the next marker. */
  start: number;
  end: number;
}

type Scan = { found: number } | { more: true } | { invalid: string };

/** Empties the GPS IFD of an Exif payload (the bytes after `Exif\0\0`), in place. Returns whether it found one. */
export function emptyGpsIfd(tiff: Buffer): boolean {
  if (tiff.length < 8) return false;
  const order = tiff.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') return false;
  const little = order === 'II';
  const u16 = (at: number) => (little ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (little ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  const fits = (at: number, length: number) => at >= 0 && length >= 0 && at + length <= tiff.length;

  const ifd0 = u32(4);
  if (!fits(ifd0, 2)) return false;
  const count0 = u16(ifd0);
  let gps: number | undefined;
  for (let entry = ifd0 + 2, i = 0; i < count0 && fits(entry, 12); i += 1, entry += 12) {
    if (u16(entry) === GPS_IFD_POINTER) gps = u32(entry + 8);
  }
  if (gps === undefined || !fits(gps, 2)) return false;

  const count = u16(gps);
  // Values over four bytes live elsewhere, at an offset from the TIFF header. Entries may point
  // at overlapping values: the ranges are merged, so each byte is zeroed once.
  const values: [number, number][] = [];
  for (let entry = gps + 2, i = 0; i < count && fits(entry, 12); i += 1, entry += 12) {
    const size = (TYPE_SIZES[u16(entry + 2)] ?? 0) * u32(entry + 4);
    const at = u32(entry + 8);
    if (size > 4 && fits(at, size)) values.push([at, at + size]);
  }
  values.sort((a, b) => a[0] - b[0]);
  let zeroedTo = 0;
  for (const [from, to] of values) {
    if (to > zeroedTo) tiff.fill(0, Math.max(from, zeroedTo), to);
    zeroedTo = Math.max(zeroedTo, to);
  }
  // The entries and the next-IFD offset after them; the count becomes 0 (an empty, valid IFD).
  tiff.fill(0, gps, Math.min(gps + 2 + count * 12 + 4, tiff.length));
  return true;
}

// A GPS property in XMP, in any of RDF's forms: an attribute, or an element (empty, or up to its
// closing tag). Any case: DJI drones write `drone-dji:GpsLatitude`.
const XMP_GPS_START = /\s[\w.-]+:gps|<[\w.-]+:gps/gi;
const XMP_GPS_ATTRIBUTE = /\s[\w.-]+:gps\w*\s*=\s*("[^"]*"|'[^']*')/iy;
const XMP_GPS_ELEMENT = /<([\w.-]+:gps\w*)(?=[\s/>])/iy;
const XMP_GPS_CLOSING = /<\/([\w.-]+:gps\w*)\s*>/gi;

/**
 * Blanks the GPS properties of an XMP packet with spaces, in place (XML stays well-formed).
 * Returns whether it found any. Linear in the packet, whatever it holds: the closing tags are
 * found in one pass beforehand, and every search moves forward only.
 */
export function blankXmpGps(xmp: Buffer): boolean {
  const text = xmp.toString('latin1');
  // Where each GPS element's closing tags start and end, by exact name (XML names are case-sensitive).
  const closings = new Map<string, { starts: number[]; ends: number[]; next: number }>();
  for (const match of text.matchAll(XMP_GPS_CLOSING)) {
    const name = match[1] as string;
    const list = closings.get(name) ?? { starts: [], ends: [], next: 0 };
    list.starts.push(match.index);
    list.ends.push(match.index + match[0].length);
    closings.set(name, list);
  }
  const closingAfter = (name: string, from: number): number => {
    const list = closings.get(name);
    if (list === undefined) return -1;
    while (list.next < list.starts.length && (list.starts[list.next] as number) < from) list.next += 1;
    return list.ends[list.next] ?? -1;
  };
  let gt = -2;
  const gtAfter = (from: number): number => {
    if (gt === -2 || (gt !== -1 && gt < from)) gt = text.indexOf('>', from);
    return gt;
  };

  /** The end of the GPS property starting at `at`: past the attribute's value, or the element's closing tag; -1 when it is not complete. */
  const propertyEnd = (at: number): number => {
    XMP_GPS_ATTRIBUTE.lastIndex = at;
    const attribute = XMP_GPS_ATTRIBUTE.exec(text);
    if (attribute !== null) return at + attribute[0].length;
    XMP_GPS_ELEMENT.lastIndex = at;
    const name = XMP_GPS_ELEMENT.exec(text)?.[1];
    const tagEnd = name === undefined ? -1 : gtAfter(at);
    if (name === undefined || tagEnd === -1) return -1;
    return text[tagEnd - 1] === '/' ? tagEnd + 1 : closingAfter(name, tagEnd + 1);
  };

  let found = false;
  for (let at = 0; ; ) {
    XMP_GPS_START.lastIndex = at;
    const start = XMP_GPS_START.exec(text);
    if (start === null) return found;
    const end = propertyEnd(start.index);
    if (end === -1) {
      at = start.index + 1;
      continue;
    }
    xmp.fill(0x20, start.index, end);
    found = true;
    at = end;
  }
}

function stripSegments(header: Buffer, segments: readonly Segment[]): void {
  for (const { marker, start, end } of segments) {
    if (marker !== APP1) continue;
    const payload = header.subarray(start, end);
    if (payload.subarray(0, EXIF_HEADER.length).equals(EXIF_HEADER)) emptyGpsIfd(payload.subarray(EXIF_HEADER.length));
    const xmp = XMP_HEADERS.find((prefix) => payload.subarray(0, prefix.length).equals(prefix));
    if (xmp !== undefined) blankXmpGps(payload.subarray(xmp.length));
  }
}

/**
 * The streaming core: feed chunks, get chunks. Holds each image's header segments (at most
 * MAX_HEADER_BYTES), strips them once its SOS arrives, then passes the scan data through while
 * watching for a next image (EOI then SOI at once), whose header it holds and strips in turn.
 */
export class GpsStripper {
  /** 'header': holding an image's header; 'watching': passing scan data; 'passing': everything passes. */
  #state: 'header' | 'watching' | 'passing' = 'header';
  /** Whether the header held is the file's own (the first image), rather than a later image's. */
  #primary = true;
  /** The header bytes held so far: `#held[0, #length)`, starting with its SOI. */
  #held = EMPTY;
  #length = 0;
  /** Where reading the header resumes: the first marker not yet read completely. */
  #at = 2;
  #segments: Segment[] = [];
  /** While watching: the last bytes of the previous chunk that may start EOI+SOI (at most 3), not yet passed on. */
  #tail = EMPTY;
  #work = 0;

  /** `onGiveUp` hears why a JPEG's header could not be read; that image passes unchanged. */
  constructor(private readonly onGiveUp: (reason: string) => void = () => {}) {}

  /** Bytes copied or searched plus markers read so far: linear in the bytes written, whatever the chunks (tests check this). */
  get work(): number {
    return this.#work;
  }

  write(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    for (let rest = chunk; rest.length > 0; ) {
      if (this.#state === 'passing') {
        out.push(rest);
        break;
      }
      rest = this.#state === 'watching' ? this.#watch(rest, out) : this.#hold(rest, out);
    }
    return out;
  }

  /** The end of the file: an image cut off before its scan still has its complete segments stripped. */
  end(): Buffer[] {
    const out: Buffer[] = [];
    if (this.#state === 'header' && this.#length > 0) {
      const header = this.#held.subarray(0, this.#length);
      this.#read(header);
      stripSegments(header, this.#segments);
      out.push(header);
    }
    if (this.#state === 'watching' && this.#tail.length > 0) out.push(this.#tail);
    this.#state = 'passing';
    this.#held = EMPTY;
    this.#tail = EMPTY;
    return out;
  }

  /** Passes `data` on up to the start of a next image, if any; returns the bytes from that image's SOI on. */
  #watch(chunk: Buffer, out: Buffer[]): Buffer {
    const data = this.#tail.length === 0 ? chunk : Buffer.concat([this.#tail, chunk]);
    this.#tail = EMPTY;
    this.#work += data.length;
    const next = data.indexOf(NEXT_IMAGE);
    if (next === -1) {
      let keep = Math.min(NEXT_IMAGE.length - 1, data.length);
      while (keep > 0 && !data.subarray(data.length - keep).equals(NEXT_IMAGE.subarray(0, keep))) keep -= 1;
      if (keep < data.length) out.push(data.subarray(0, data.length - keep));
      if (keep > 0) this.#tail = Buffer.from(data.subarray(data.length - keep));
      return EMPTY;
    }
    out.push(data.subarray(0, next + 2));
    this.#startHeader(false);
    return data.subarray(next + 2);
  }

  /** Holds `data` as part of the header; once SOS is found, passes the stripped header on and returns the bytes from SOS on. */
  #hold(data: Buffer, out: Buffer[]): Buffer {
    // Nothing held yet: read `data` where it is, and copy only what must wait for more.
    const own = this.#length > 0;
    if (own) this.#append(data);
    const view = own ? this.#held.subarray(0, this.#length) : data;
    const scan = this.#read(view);
    // Over the bound wherever the chunks fell: SOS does not start within the first MAX_HEADER_BYTES.
    if (('found' in scan && scan.found >= MAX_HEADER_BYTES) || ('more' in scan && view.length > MAX_HEADER_BYTES)) {
      return this.#giveUp(`header segments over ${MAX_HEADER_BYTES} bytes`, view, MAX_HEADER_BYTES, out);
    }
    if ('found' in scan) {
      // Stripping writes into the header, so a header read in place is copied first (the caller's chunk is not ours).
      const header = own ? view.subarray(0, scan.found) : Buffer.from(view.subarray(0, scan.found));
      if (!own) this.#work += scan.found;
      stripSegments(header, this.#segments);
      out.push(header);
      this.#state = 'watching';
      this.#held = EMPTY;
      return view.subarray(scan.found);
    }
    if ('invalid' in scan) return this.#giveUp(scan.invalid, view, this.#at, out);
    if (!own) this.#append(data);
    return EMPTY;
  }

  /** Reads markers from `#at` on (`jpeg` begins with SOI): where SOS starts, or that more bytes are needed, or why it cannot be read. */
  #read(jpeg: Buffer): Scan {
    for (;;) {
      this.#work += 1;
      const at = this.#at;
      if (at + 1 >= jpeg.length) return { more: true };
      if (jpeg[at] !== 0xff) return { invalid: 'bytes between segments' };
      // Any number of 0xFF fill bytes may precede a marker.
      if (jpeg[at + 1] === 0xff) {
        this.#at += 1;
        continue;
      }
      const marker = jpeg[at + 1] as number;
      if (marker === SOS) return { found: at };
      if (marker === EOI) return { invalid: 'no scan before the end of image' };
      if (STANDALONE.has(marker)) {
        this.#at += 2;
        continue;
      }
      if (at + 4 > jpeg.length) return { more: true };
      const end = at + 2 + jpeg.readUInt16BE(at + 2);
      if (end > jpeg.length) return { more: true };
      this.#segments.push({ marker, start: at + 4, end });
      this.#at = end;
    }
  }

  /** Appends to the held bytes, doubling the buffer as needed (so each byte is copied a bounded number of times). */
  #append(data: Buffer): void {
    const length = this.#length + data.length;
    if (length > this.#held.length) {
      const grown = Buffer.alloc(Math.max(length, this.#held.length * 2, 4096));
      this.#held.copy(grown, 0, 0, this.#length);
      this.#work += this.#length;
      this.#held = grown;
    }
    data.copy(this.#held, this.#length);
    this.#work += data.length;
    this.#length = length;
  }

  #startHeader(primary: boolean): void {
    this.#state = 'header';
    this.#primary = primary;
    this.#held = EMPTY;
    this.#length = 0;
    this.#at = 2;
    this.#segments = [];
  }

  /**
   * Passes an unreadable header on unchanged. After the file's own header, so does the rest of
   * the file. After a later image's, watching resumes at `resume` (where reading stopped, or the
   * bound), so the outcome does not depend on how the bytes were chunked: bytes that only looked
   * like an image's start (in data appended to the file) are not reported, an oversized header is.
   */
  #giveUp(reason: string, view: Buffer, resume: number, out: Buffer[]): Buffer {
    this.#held = EMPTY;
    this.#length = 0;
    if (this.#primary) {
      this.onGiveUp(reason);
      this.#state = 'passing';
      out.push(view);
      return EMPTY;
    }
    if (reason.startsWith('header segments over')) this.onGiveUp(`a later image's ${reason}`);
    this.#state = 'watching';
    out.push(view.subarray(0, resume));
    return view.subarray(resume);
  }
}

/** A Transform that strips location data from the JPEG streaming through it. */
export function stripGps(onGiveUp?: (reason: string) => void): Transform {
  const stripper = new GpsStripper(onGiveUp);
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      for (const out of stripper.write(chunk)) this.push(out);
      done();
    },
    flush(done) {
      for (const out of stripper.end()) this.push(out);
      done();
    },
  });
}
