import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { blankXmpGps, emptyGpsIfd, GpsStripper, MAX_HEADER_BYTES, stripGps } from '../../../src/relay/attachments/strip-gps';
import { buildExif, buildJpeg, SCAN, XMP } from './jpeg';

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
