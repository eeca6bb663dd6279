/**
 * Removes location data from a JPEG as it streams, without re-encoding it: in the Exif segment the
 * GPS IFD is emptied in place, and in XMP the GPS properties are blanked with spaces, so no length
 * or offset anywhere in the file changes. From the start of scan (SOS) on, bytes pass unchanged.
 */
import { Transform } from 'node:stream';

/** Header segments beyond this many bytes before SOS are not held: the file passes unchanged (the caller is told). */
export const MAX_HEADER_BYTES = 256 * 1024;

const SOS = 0xda;
const EOI = 0xd9;
const APP1 = 0xe1;
/** Markers that stand alone, without a length: TEM and RST0–RST7 (and SOI, already read). */
const STANDALONE = new Set([0x01, 0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8]);

const EXIF_HEADER = Buffer.from('Exif\0\0', 'latin1');
const XMP_HEADERS = ['http://ns.adobe.com/xap/1.0/\0', 'http://ns.adobe.com/xmp/extension/\0'].map((text) =>
  Buffer.from(text, 'latin1'),
);

/** The GPSInfo tag in IFD0: the offset of the GPS IFD. */
const GPS_IFD_POINTER = 0x8825;
/** Bytes per value of each TIFF field type (TIFF 6.0 §2, Exif 2.3 §4.6.2). */
const TYPE_SIZES: Readonly<Record<number, number>> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8 };

type Scan = { found: number } | { more: true } | { invalid: string };

/** Where SOS starts in `jpeg` (which begins with SOI), or that more bytes are needed, or why it cannot be read. */
function findScan(jpeg: Buffer, segments: { marker: number; start: number; end: number }[]): Scan {
  segments.length = 0;
  let at = 2;
  for (;;) {
    if (at + 1 >= jpeg.length) return { more: true };
    if (jpeg[at] !== 0xff) return { invalid: 'bytes between segments' };
    // Any number of 0xFF fill bytes may precede a marker.
    if (jpeg[at + 1] === 0xff) {
      at += 1;
      continue;
    }
    const marker = jpeg[at + 1] as number;
    if (marker === SOS) return { found: at };
    if (marker === EOI) return { invalid: 'no scan before the end of image' };
    if (STANDALONE.has(marker)) {
      at += 2;
      continue;
    }
    if (at + 4 > jpeg.length) return { more: true };
    const end = at + 2 + jpeg.readUInt16BE(at + 2);
    if (end > jpeg.length) return { more: true };
    segments.push({ marker, start: at + 4, end });
    at = end;
  }
}

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
  for (let entry = gps + 2, i = 0; i < count && fits(entry, 12); i += 1, entry += 12) {
    const size = (TYPE_SIZES[u16(entry + 2)] ?? 0) * u32(entry + 4);
    // Values over four bytes live elsewhere, at an offset from the TIFF header.
    if (size > 4 && fits(u32(entry + 8), size)) tiff.fill(0, u32(entry + 8), u32(entry + 8) + size);
  }
  // The entries and the next-IFD offset after them; the count becomes 0 (an empty, valid IFD).
  tiff.fill(0, gps, Math.min(gps + 2 + count * 12 + 4, tiff.length));
  return true;
}

// A GPS property in XMP, in any of RDF's forms: an attribute, an element with content, an empty element.
const XMP_GPS = /\s[\w.-]+:GPS\w*\s*=\s*("[^"]*"|'[^']*')|<([\w.-]+:GPS\w*)[^>]*?\/>|<([\w.-]+:GPS\w*)[\s>][\s\S]*?<\/\3\s*>/g;

/** Blanks the GPS properties of an XMP packet with spaces, in place (XML stays well-formed). Returns whether it found any. */
export function blankXmpGps(xmp: Buffer): boolean {
  const text = xmp.toString('latin1');
  let found = false;
  for (const match of text.matchAll(XMP_GPS)) {
    xmp.fill(0x20, match.index, match.index + match[0].length);
    found = true;
  }
  return found;
}

function stripSegments(header: Buffer, segments: readonly { marker: number; start: number; end: number }[]): void {
  for (const { marker, start, end } of segments) {
    if (marker !== APP1) continue;
    const payload = header.subarray(start, end);
    if (payload.subarray(0, EXIF_HEADER.length).equals(EXIF_HEADER)) emptyGpsIfd(payload.subarray(EXIF_HEADER.length));
    const xmp = XMP_HEADERS.find((prefix) => payload.subarray(0, prefix.length).equals(prefix));
    if (xmp !== undefined) blankXmpGps(payload.subarray(xmp.length));
  }
}

/**
 * The streaming core: feed chunks, get chunks. Holds the header segments (at most
 * MAX_HEADER_BYTES), strips them once SOS arrives, then passes every byte through.
 */
export class GpsStripper {
  #held: Buffer[] = [];
  #heldBytes = 0;
  #passing = false;
  readonly #segments: { marker: number; start: number; end: number }[] = [];

  /** `onGiveUp` hears why a JPEG's header could not be read; that file passes unchanged. */
  constructor(private readonly onGiveUp: (reason: string) => void = () => {}) {}

  write(chunk: Buffer): Buffer[] {
    if (this.#passing) return [chunk];
    this.#held.push(chunk);
    this.#heldBytes += chunk.length;
    const jpeg = Buffer.concat(this.#held);
    this.#held = [jpeg];
    const scan = findScan(jpeg, this.#segments);
    if ('found' in scan) {
      stripSegments(jpeg, this.#segments);
      return this.#release();
    }
    if ('invalid' in scan) return this.#giveUp(scan.invalid);
    if (this.#heldBytes > MAX_HEADER_BYTES) return this.#giveUp(`header segments over ${MAX_HEADER_BYTES} bytes`);
    return [];
  }

  /** The end of the file: a JPEG cut off before its scan still has its complete segments stripped. */
  end(): Buffer[] {
    if (this.#passing) return [];
    const jpeg = Buffer.concat(this.#held);
    findScan(jpeg, this.#segments);
    stripSegments(jpeg, this.#segments);
    this.#held = [jpeg];
    return this.#release();
  }

  #giveUp(reason: string): Buffer[] {
    this.onGiveUp(reason);
    return this.#release();
  }

  #release(): Buffer[] {
    const held = this.#held;
    this.#held = [];
    this.#passing = true;
    return held;
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
