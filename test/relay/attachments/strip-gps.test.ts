import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { blankXmpGps, emptyGpsIfd, GpsStripper, MAX_HEADER_BYTES, stripGps } from '../../../src/relay/attachments/strip-gps';
import { buildExif, buildJpeg, SCAN, seeded, segment, XMP } from './jpeg';

/** Streams `input` through the stripper in chunks of `size` bytes. */
async function strip(input: Buffer, size: number, onGiveUp?: (reason: string) => void): Promise<Buffer> {
  const chunks = Array.from({ length: Math.ceil(input.length / size) }, (_, i) => input.subarray(i * size, (i + 1) * size));
  return buffer(Readable.from(chunks).pipe(stripGps(onGiveUp)));
}

describe('emptyGpsIfd', () => {
  it.each([true, false])('empties the GPS IFD and its values in place (little-endian: %s)', (littleEndian) => {
    const { tiff, gpsIfd, gpsEnd, latitude } = buildExif(littleEndian);
    const before = Buffer.from(tiff);

    expect(emptyGpsIfd(tiff)).toBe(true);

    expect(tiff.length).toBe(before.length);
    expect(tiff.subarray(gpsIfd, gpsEnd).every((byte) => byte === 0)).toBe(true);
    expect(tiff.subarray(latitude, latitude + 48).every((byte) => byte === 0)).toBe(true);
    // Everything before the GPS IFD (header, IFD0 with Orientation and the GPS pointer, Make) is untouched.
    expect(tiff.subarray(0, gpsIfd).equals(before.subarray(0, gpsIfd))).toBe(true);
  });

  it('keeps Orientation readable', () => {
    const { tiff } = buildExif(false);
    emptyGpsIfd(tiff);
    // IFD0's second entry: tag 0x0112, SHORT, value 6.
    expect([tiff.readUInt16BE(22), tiff.readUInt16BE(30)]).toEqual([0x0112, 6]);
  });

  it.each([
    { name: 'too short', tiff: Buffer.from('II*\0') },
    { name: 'not TIFF', tiff: Buffer.from('XX*\0\x08\0\0\0\0\0') },
    { name: 'an IFD0 offset beyond the end', tiff: Buffer.from('II*\0\xff\xff\0\0', 'latin1') },
  ])('leaves Exif that is $name alone', ({ tiff }) => {
    const before = Buffer.from(tiff);
    expect(emptyGpsIfd(tiff)).toBe(false);
    expect(tiff.equals(before)).toBe(true);
  });

  it('finds nothing in Exif without a GPS IFD', () => {
    const { tiff } = buildExif(true);
    tiff.writeUInt16LE(2, 8); // IFD0 now ends before the GPS pointer entry
    expect(emptyGpsIfd(tiff)).toBe(false);
  });
});

describe('blankXmpGps', () => {
  it('blanks GPS attributes and elements with spaces of the same length, keeping the rest', () => {
    const xmp = Buffer.from(XMP, 'latin1');
    expect(blankXmpGps(xmp)).toBe(true);
    const text = xmp.toString('latin1');
    expect(text).toHaveLength(XMP.length);
    expect(text).not.toMatch(/GPS|59,54|10,45|42\/1/);
    expect(text).toContain('xmp:CreatorTool="Camera 1.0"');
    expect(text).toContain('<xmp:Rating>5</xmp:Rating>');
    expect(text).toContain('</rdf:Description></rdf:RDF></x:xmpmeta>');
  });
});

describe('stripGps', () => {
  it.each([1, 7, 64, 100_000])('removes GPS from Exif and XMP, keeping every length and the scan byte for byte (chunks of %i)', async (size) => {
    const { jpeg, exif, tiffAt, scanAt } = buildJpeg();

    const out = await strip(jpeg, size);

    expect(out.length).toBe(jpeg.length);
    expect(out.subarray(tiffAt + exif.gpsIfd, tiffAt + exif.gpsEnd).every((byte) => byte === 0)).toBe(true);
    expect(out.subarray(tiffAt + exif.latitude, tiffAt + exif.latitude + 48).every((byte) => byte === 0)).toBe(true);
    expect(out.subarray(0, tiffAt + exif.gpsIfd).equals(jpeg.subarray(0, tiffAt + exif.gpsIfd))).toBe(true);
    expect(out.toString('latin1')).not.toContain('GPS');
    expect(out.toString('latin1')).toContain('xmp:CreatorTool="Camera 1.0"');
    expect(out.subarray(scanAt).equals(jpeg.subarray(scanAt))).toBe(true);
    expect(out.subarray(scanAt, scanAt + SCAN.length).equals(SCAN)).toBe(true);
  });

  it('strips a big-endian (Motorola) Exif block too', async () => {
    const { jpeg, exif, tiffAt } = buildJpeg({ littleEndian: false });
    const out = await strip(jpeg, 4096);
    expect(out.subarray(tiffAt + exif.latitude, tiffAt + exif.longitude + 24).every((byte) => byte === 0)).toBe(true);
    expect(out.subarray(tiffAt, tiffAt + 8).toString('latin1')).toBe('MM\0*\0\0\0\x08');
  });

  it('passes a JPEG whose header segments exceed the bound through unchanged, and says why', async () => {
    const { jpeg } = buildJpeg({ padding: MAX_HEADER_BYTES + 1 });
    const reasons: string[] = [];

    const out = await strip(jpeg, 16_384, (reason) => reasons.push(reason));

    expect(out.equals(jpeg)).toBe(true);
    expect(reasons).toEqual([`header segments over ${MAX_HEADER_BYTES} bytes`]);
  });

  it('passes bytes it cannot read as JPEG segments through unchanged', async () => {
    const broken = Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.from('not a segment')]);
    const reasons: string[] = [];
    expect((await strip(broken, 3, (reason) => reasons.push(reason))).equals(broken)).toBe(true);
    expect(reasons).toEqual(['bytes between segments']);
  });

  it('still strips the complete segments of a JPEG cut off before its scan', () => {
    const { jpeg, exif, tiffAt, scanAt } = buildJpeg();
    const cut = jpeg.subarray(0, scanAt - 8);
    const stripper = new GpsStripper();
    const out = Buffer.concat([...stripper.write(Buffer.from(cut)), ...stripper.end()]);
    expect(out.length).toBe(cut.length);
    expect(out.subarray(tiffAt + exif.latitude, tiffAt + exif.latitude + 24).every((byte) => byte === 0)).toBe(true);
  });
});

const SOI = Buffer.from([0xff, 0xd8]);
const EOI = Buffer.from([0xff, 0xd9]);
const SOS = segment(0xda, Buffer.from([1, 1, 0, 0, 0x3f, 0]));

const chunked = (input: Buffer, size: number) => Array.from({ length: Math.ceil(input.length / size) }, (_, i) => input.subarray(i * size, (i + 1) * size));

/** Feeds `chunks` to a fresh stripper; the bytes out, the work it reports, and what it gave up on. */
function feed(chunks: readonly Buffer[]) {
  const reasons: string[] = [];
  const stripper = new GpsStripper((reason) => reasons.push(reason));
  const out = [...chunks.flatMap((chunk) => stripper.write(Buffer.from(chunk))), ...stripper.end()];
  return { out: Buffer.concat(out), work: stripper.work, reasons };
}

/** Whether `out` differs from `input` only in bytes blanked to 0x00 or 0x20, at the same length. */
const onlyBlanked = (input: Buffer, out: Buffer) => out.length === input.length && out.every((byte, i) => byte === input[i] || byte === 0 || byte === 0x20);

/** A JPEG whose header holds `count` APP14 segments of `size` payload bytes before the scan. */
const paddedJpeg = (count: number, size: number) =>
  Buffer.concat([SOI, ...Array.from({ length: count }, () => segment(0xee, Buffer.alloc(size, 0x41))), SOS, SCAN, EOI]);

describe('stripGps cost', () => {
  it('does work linear in the bytes whatever the chunks: 1-byte chunks cost about what 64 KB chunks do', () => {
    const { jpeg } = buildJpeg({ padding: 200_000 });
    const oneByte = feed(chunked(jpeg, 1));
    const large = feed(chunked(jpeg, 64 * 1024));
    expect(oneByte.out.equals(large.out)).toBe(true);
    expect(oneByte.work).toBeLessThan(2 * large.work);
    expect(oneByte.work).toBeLessThan(5 * jpeg.length);
  });

  it('takes time linear in the header in 1-byte chunks (16 times the header, well under 64 times the time)', () => {
    const time = (input: Buffer) => {
      const chunks = chunked(input, 1);
      let best = Number.POSITIVE_INFINITY;
      for (let run = 0; run < 3; run += 1) {
        const started = process.hrtime.bigint();
        feed(chunks);
        best = Math.min(best, Number(process.hrtime.bigint() - started));
      }
      return best;
    };
    const small = paddedJpeg(4, 4000);
    const big = paddedJpeg(64, 4000);
    time(small); // warm up
    // Linear: about 16. Re-reading all held bytes on every chunk, as before, made it about 256.
    expect(time(big) / time(small)).toBeLessThan(64);
  });

  it('blanks XMP in time linear in the packet, even with unclosed GPS tags throughout', () => {
    const started = performance.now();
    for (const unit of ['<a:GPS>', '<a:GPSx ', '<a:GPS ', '<a:GPS1></a:GPS1x>', ' a:GPS="']) {
      const xmp = Buffer.from(unit.repeat(Math.floor(65_000 / unit.length)), 'latin1');
      blankXmpGps(xmp);
    }
    // Each of these took about 0.3–0.5 s with a backtracking pattern.
    expect(performance.now() - started).toBeLessThan(250);
  });
});

describe('location data the first version missed', () => {
  it('blanks GPS properties in any case (DJI drones write drone-dji:GpsLatitude)', () => {
    const packet = [
      '<rdf:Description xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/" drone-dji:GpsLatitude="59.91"',
      ' drone-dji:GpsLongitude="+10.75" drone-dji:RelativeAltitude="+1.20">',
      '<drone-dji:GpsAltitude>12.5</drone-dji:GpsAltitude><Camera:gpsStatus/><drone-dji:FlightYawDegree>3</drone-dji:FlightYawDegree>',
      '</rdf:Description>',
    ].join('');
    const xmp = Buffer.from(packet, 'latin1');
    expect(blankXmpGps(xmp)).toBe(true);
    const text = xmp.toString('latin1');
    expect(text).toHaveLength(packet.length);
    expect(text).not.toMatch(/gps|59\.91|10\.75|12\.5/i);
    expect(text).toContain('drone-dji:RelativeAltitude="+1.20">');
    expect(text).toContain('<drone-dji:FlightYawDegree>3</drone-dji:FlightYawDegree></rdf:Description>');
  });

  it('keeps an element whose closing tag differs in case (XML names are case-sensitive), and one never closed', () => {
    const packet = '<a:GpsX>1</a:GPSX><b:Gps>unclosed';
    const xmp = Buffer.from(packet, 'latin1');
    expect(blankXmpGps(xmp)).toBe(false);
    expect(xmp.toString('latin1')).toBe(packet);
  });

  it.each([1, 7, 4096, 1_000_000])('strips the secondary images of an MPF file too, each in place (chunks of %i)', (size) => {
    const primary = buildJpeg();
    const secondary = buildJpeg({ littleEndian: false });
    const file = Buffer.concat([primary.jpeg, secondary.jpeg, secondary.jpeg]);

    const { out, reasons } = feed(chunked(file, size));

    expect(reasons).toEqual([]);
    expect(onlyBlanked(file, out)).toBe(true);
    expect(out.toString('latin1')).not.toContain('GPS');
    for (const at of [primary.jpeg.length, primary.jpeg.length + secondary.jpeg.length]) {
      const tiff = at + secondary.tiffAt;
      expect(out.subarray(tiff + secondary.exif.gpsIfd, tiff + secondary.exif.gpsEnd).every((byte) => byte === 0)).toBe(true);
      expect(out.subarray(tiff + secondary.exif.latitude, tiff + secondary.exif.longitude + 24).every((byte) => byte === 0)).toBe(true);
      expect(out.subarray(at + secondary.scanAt, at + secondary.jpeg.length).equals(SCAN_AND_EOI)).toBe(true);
    }
  });

  it('passes data after the image that only looks like another image unchanged, without a warning', () => {
    const { jpeg } = buildJpeg();
    const trailer = Buffer.concat([SOI, Buffer.from('not a segment'), SOI, segment(0xe1, Buffer.from('Exif\0\0MM\0*', 'latin1')), EOI]);
    const file = Buffer.concat([jpeg, trailer]);
    for (const size of [1, 5, file.length]) {
      const { out, reasons } = feed(chunked(file, size));
      expect(out.subarray(jpeg.length).equals(trailer)).toBe(true);
      expect(reasons).toEqual([]);
    }
  });

  it('says so when a secondary image’s header is over the bound, and passes it unchanged', () => {
    const { jpeg } = buildJpeg();
    const big = buildJpeg({ padding: MAX_HEADER_BYTES + 1 }).jpeg;
    const { out, reasons } = feed(chunked(Buffer.concat([jpeg, big]), 16_384));
    expect(out.subarray(jpeg.length).equals(big)).toBe(true);
    expect(reasons).toEqual([`a later image's header segments over ${MAX_HEADER_BYTES} bytes`]);
  });
});

const SCAN_AND_EOI = Buffer.concat([SCAN, EOI]);

describe('emptyGpsIfd on malformed TIFF', () => {
  /** A little-endian TIFF of `length` bytes: IFD0 at 8 with the given entries; then `edit` writes the rest. */
  function tiffWith(length: number, ifd0: [tag: number, type: number, count: number, value: number][], edit: (tiff: Buffer) => void = () => {}) {
    const tiff = Buffer.alloc(length, 0x55);
    tiff.write('II*\0', 0, 'latin1');
    tiff.writeUInt32LE(8, 4);
    tiff.writeUInt16LE(ifd0.length, 8);
    ifd0.forEach(([tag, type, count, value], i) => {
      tiff.writeUInt16LE(tag, 10 + i * 12);
      tiff.writeUInt16LE(type, 12 + i * 12);
      tiff.writeUInt32LE(count, 14 + i * 12);
      tiff.writeUInt32LE(value, 18 + i * 12);
    });
    edit(tiff);
    return tiff;
  }
  /** Writes a GPS IFD at `at` with the given entries (count as given, so it may lie). */
  const gpsIfd = (at: number, count: number, entries: [tag: number, type: number, count: number, value: number][]) => (tiff: Buffer) => {
    tiff.writeUInt16LE(count, at);
    entries.forEach(([tag, type, valueCount, value], i) => {
      tiff.writeUInt16LE(tag, at + 2 + i * 12);
      tiff.writeUInt16LE(type, at + 4 + i * 12);
      tiff.writeUInt32LE(valueCount, at + 6 + i * 12);
      tiff.writeUInt32LE(value, at + 10 + i * 12);
    });
  };
  const GPS = 0x8825;

  it.each([
    { name: 'a GPS pointer past the end', tiff: tiffWith(64, [[GPS, 4, 1, 64]]), found: false, zeroed: [] },
    { name: 'a GPS pointer one byte short of an entry count', tiff: tiffWith(64, [[GPS, 4, 1, 63]]), found: false, zeroed: [] },
    { name: 'a GPS pointer of 0xFFFFFFFF', tiff: tiffWith(64, [[GPS, 4, 1, 0xffff_ffff]]), found: false, zeroed: [] },
    { name: 'an IFD0 count of 65535 (entries run past the end)', tiff: tiffWith(64, [[GPS, 4, 1, 40]], (t) => t.writeUInt16LE(0xffff, 8)), found: true, zeroed: [[40, 64]] },
    { name: 'a GPS entry count of 65535 (entries run past the end)', tiff: tiffWith(80, [[GPS, 4, 1, 40]], gpsIfd(40, 0xffff, [])), found: true, zeroed: [[40, 80]] },
    { name: 'a GPS IFD that is IFD0 itself', tiff: tiffWith(64, [[GPS, 4, 1, 8]]), found: true, zeroed: [[8, 8 + 2 + 12 + 4]] },
    { name: 'a value offset past the end', tiff: tiffWith(80, [[GPS, 4, 1, 30]], gpsIfd(30, 1, [[2, 5, 3, 70]])), found: true, zeroed: [[30, 48]] },
    { name: 'a value count of 4 billion', tiff: tiffWith(80, [[GPS, 4, 1, 30]], gpsIfd(30, 1, [[2, 5, 0xffff_ffff, 48]])), found: true, zeroed: [[30, 48]] },
    { name: 'an offset that overflows 32 bits with its size', tiff: tiffWith(80, [[GPS, 4, 1, 30]], gpsIfd(30, 1, [[2, 5, 3, 0xffff_fff0]])), found: true, zeroed: [[30, 48]] },
    { name: 'unknown field types', tiff: tiffWith(80, [[GPS, 4, 1, 30]], gpsIfd(30, 2, [[2, 0, 100, 48], [3, 0xffff, 100, 48]])), found: true, zeroed: [[30, 60]] },
    { name: 'values that overlap and point into the header', tiff: tiffWith(96, [[GPS, 4, 1, 30]], gpsIfd(30, 2, [[2, 1, 40, 0], [3, 1, 70, 20]])), found: true, zeroed: [[0, 90]] },
    { name: 'a value ending exactly at the end', tiff: tiffWith(80, [[GPS, 4, 1, 30]], gpsIfd(30, 1, [[2, 5, 3, 56]])), found: true, zeroed: [[30, 48], [56, 80]] },
  ] as { name: string; tiff: Buffer; found: boolean; zeroed: [number, number][] }[])('stays within the segment with $name', ({ tiff, found, zeroed }) => {
    // The TIFF sits inside a larger buffer, as it does inside a JPEG: nothing outside it may change.
    const outer = Buffer.concat([Buffer.alloc(16, 0xaa), tiff, Buffer.alloc(16, 0xaa)]);
    const inner = outer.subarray(16, 16 + tiff.length);
    expect(emptyGpsIfd(inner)).toBe(found);
    expect(outer.subarray(0, 16).every((byte) => byte === 0xaa) && outer.subarray(16 + tiff.length).every((byte) => byte === 0xaa)).toBe(true);
    const expected = Buffer.from(tiff);
    for (const [from, to] of zeroed) expected.fill(0, from, to);
    expect(inner.equals(expected)).toBe(true);
  });

  it('never throws and never writes outside the segment, on thousands of random and mutated TIFFs (seeded)', () => {
    const random = seeded(34);
    const valid = [buildExif(true).tiff, buildExif(false).tiff];
    for (let round = 0; round < 4000; round += 1) {
      let tiff: Buffer;
      if (round % 2 === 0) {
        // A real Exif block with a few bytes (offsets, counts, types) changed at random.
        tiff = Buffer.from(valid[round % 4 === 0 ? 0 : 1] as Buffer);
        for (let edits = 1 + Math.floor(random() * 6); edits > 0; edits -= 1) tiff[Math.floor(random() * tiff.length)] = Math.floor(random() * 256);
        if (random() < 0.3) tiff = tiff.subarray(0, Math.floor(random() * tiff.length));
      } else {
        // Random bytes behind a valid header, with small offsets so that pointers often land inside.
        tiff = Buffer.from(Array.from({ length: 8 + Math.floor(random() * 200) }, () => (random() < 0.5 ? Math.floor(random() * 256) : Math.floor(random() * 16))));
        tiff.write(random() < 0.5 ? 'II*\0' : 'MM\0*', 0, 'latin1');
      }
      const outer = Buffer.concat([Buffer.alloc(8, 0xaa), tiff, Buffer.alloc(8, 0xaa)]);
      const inner = outer.subarray(8, 8 + tiff.length);
      expect(() => emptyGpsIfd(inner), `round ${round}`).not.toThrow();
      expect(outer.subarray(0, 8).every((byte) => byte === 0xaa) && outer.subarray(8 + tiff.length).every((byte) => byte === 0xaa), `round ${round}`).toBe(true);
      expect(inner.every((byte, i) => byte === tiff[i] || byte === 0), `round ${round}`).toBe(true);
    }
  });
});

describe('GpsStripper on malformed JPEGs (seeded fuzz)', () => {
  it('never throws, keeps every length, only blanks bytes, and gives the same bytes however the input is chunked', () => {
    const random = seeded(3434);
    const samples = [buildJpeg().jpeg, buildJpeg({ littleEndian: false }).jpeg, Buffer.concat([buildJpeg().jpeg, buildJpeg().jpeg])];
    for (let round = 0; round < 2000; round += 1) {
      const input = Buffer.from(samples[round % samples.length] as Buffer);
      for (let edits = Math.floor(random() * 8); edits > 0; edits -= 1) {
        // Lengths, markers and offsets matter most: favour 0xFF and small values.
        const byte = random() < 0.3 ? 0xff : random() < 0.5 ? Math.floor(random() * 16) : Math.floor(random() * 256);
        input[Math.floor(random() * input.length)] = byte;
      }
      const whole = feed([input]);
      expect(onlyBlanked(input, whole.out), `round ${round}`).toBe(true);
      const pieces: Buffer[] = [];
      for (let at = 0; at < input.length; ) {
        const size = 1 + Math.floor(random() * (random() < 0.5 ? 8 : 400));
        pieces.push(input.subarray(at, at + size));
        at += size;
      }
      expect(feed(pieces).out.equals(whole.out), `round ${round}`).toBe(true);
    }
  });
});
