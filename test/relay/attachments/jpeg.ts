/** Builds small JPEGs by hand: an Exif segment with Orientation, Make and a GPS IFD, an XMP packet with GPS, and scan data. */

export const SCAN = Buffer.from(Array.from({ length: 600 }, (_, i) => (i * 37 + 11) % 256));

const LATITUDE = [59, 1, 54, 1, 3659, 100];
const LONGITUDE = [10, 1, 45, 1, 1234, 100];

export interface ExifLayout {
  tiff: Buffer;
  /** Offsets inside the TIFF data. */
  gpsIfd: number;
  gpsEnd: number;
  latitude: number;
  longitude: number;
  make: number;
}

/** A TIFF block: IFD0 with Orientation 6, Make "Canon" and a GPS pointer; the GPS IFD with version, N, latitude, E, longitude. */
export function buildExif(littleEndian: boolean): ExifLayout {
  const tiff = Buffer.alloc(200);
  const u16 = (at: number, value: number) => (littleEndian ? tiff.writeUInt16LE(value, at) : tiff.writeUInt16BE(value, at));
  const u32 = (at: number, value: number) => (littleEndian ? tiff.writeUInt32LE(value, at) : tiff.writeUInt32BE(value, at));
  const entry = (at: number, tag: number, type: number, count: number, value: (at: number) => void) => {
    u16(at, tag);
    u16(at + 2, type);
    u32(at + 4, count);
    value(at + 8);
  };
  tiff.write(littleEndian ? 'II' : 'MM', 0, 'latin1');
  u16(2, 42);
  u32(4, 8);
  // IFD0 at 8: 3 entries → ends at 8 + 2 + 36 + 4 = 50.
  const make = 50;
  const gpsIfd = 56;
  u16(8, 3);
  entry(10, 0x010f, 2, 6, (at) => u32(at, make));
  entry(22, 0x0112, 3, 1, (at) => u16(at, 6));
  entry(34, 0x8825, 4, 1, (at) => u32(at, gpsIfd));
  u32(46, 0);
  tiff.write('Canon\0', make, 'latin1');
  // GPS IFD at 56: 5 entries → ends at 56 + 2 + 60 + 4 = 122.
  const latitude = 122;
  const longitude = 146;
  u16(gpsIfd, 5);
  entry(58, 0x0000, 1, 4, (at) => tiff.set([2, 3, 0, 0], at));
  entry(70, 0x0001, 2, 2, (at) => tiff.write('N\0', at, 'latin1'));
  entry(82, 0x0002, 5, 3, (at) => u32(at, latitude));
  entry(94, 0x0003, 2, 2, (at) => tiff.write('E\0', at, 'latin1'));
  entry(106, 0x0004, 5, 3, (at) => u32(at, longitude));
  u32(118, 0);
  LATITUDE.forEach((value, i) => u32(latitude + i * 4, value));
  LONGITUDE.forEach((value, i) => u32(longitude + i * 4, value));
  return { tiff: tiff.subarray(0, 170), gpsIfd, gpsEnd: 122, latitude, longitude, make };
}

export const XMP = [
  '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
  '<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"',
  ' xmp:CreatorTool="Camera 1.0" exif:GPSLatitude="59,54.6N" exif:GPSLongitude=\'10,45.1E\'>',
  '<exif:GPSAltitude>42/1</exif:GPSAltitude><exif:GPSVersionID><rdf:Seq><rdf:li>2</rdf:li></rdf:Seq></exif:GPSVersionID>',
  '<exif:GPSMapDatum/><xmp:Rating>5</xmp:Rating>',
  '</rdf:Description></rdf:RDF></x:xmpmeta>',
].join('');

export const segment = (marker: number, payload: Buffer) => {
  const header = Buffer.alloc(4);
  header.writeUInt16BE(0xff00 | marker, 0);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([header, payload]);
};

/** SOI, APP0 (JFIF), APP1 Exif, APP1 XMP, a padding APPn, SOS and scan data, EOI. */
export function buildJpeg({ littleEndian = true, padding = 0 }: { littleEndian?: boolean; padding?: number } = {}) {
  const exif = buildExif(littleEndian);
  const parts = [
    Buffer.from([0xff, 0xd8]),
    segment(0xe0, Buffer.from('JFIF\0\x01\x01\0\0\x01\0\x01\0\0', 'latin1')),
    segment(0xe1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), exif.tiff])),
    segment(0xe1, Buffer.concat([Buffer.from('http://ns.adobe.com/xap/1.0/\0', 'latin1'), Buffer.from(XMP, 'latin1')])),
    ...Array.from({ length: Math.ceil(padding / 65_000) }, () => segment(0xed, Buffer.alloc(65_000, 0x20))),
    segment(0xda, Buffer.from([1, 1, 0, 0, 0x3f, 0])),
    SCAN,
    Buffer.from([0xff, 0xd9]),
  ];
  const jpeg = Buffer.concat(parts);
  const tiffAt = parts[0]!.length + parts[1]!.length + 4 + 6;
  const scanAt = jpeg.length - SCAN.length - 2;
  return { jpeg, exif, tiffAt, scanAt };
}

/** A seeded pseudo-random generator (mulberry32): the same `seed` gives the same numbers, so a failing fuzz case can be replayed. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
