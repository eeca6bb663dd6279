import { describe, expect, it } from 'vitest';
import { TextScan } from '../../../src/relay/attachments/scan-text';

/** The scan's first finding for `text`, fed in chunks of `size` bytes. */
function scan(text: string | Buffer, size = 1 << 20) {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  const scanner = new TextScan();
  for (let at = 0; at < bytes.length; at += size) scanner.write(bytes.subarray(at, at + size));
  scanner.end();
  return scanner.findings;
}
const markerIn = (text: string, size?: number) => scan(text, size).markup?.marker;

describe('the markup rule for text', () => {
  it.each([
    { text: 'see <script>alert(1)</script>', marker: '<script' },
    { text: 'SEE <ScRiPt SRC=//x>', marker: '<script' },
    { text: '<!DOCTYPE html>', marker: '<!doctype' },
    { text: 'a\n<iframe src="https://evil.example">', marker: '<iframe' },
    { text: 'logo: <svg/onload=alert(1)>', marker: '<svg' },
    { text: 'x <img src=x onerror=alert(1)>', marker: '<img' },
    { text: 'x <object data=a.swf>', marker: '<object' },
    { text: 'x <embed src=a>', marker: '<embed' },
    { text: 'x <meta http-equiv="refresh" content="0;url=https://evil.example">', marker: '<meta' },
    { text: 'x <base href=//evil.example/>', marker: '<base' },
    { text: 'the tag at the very end: <script', marker: '<script' },
    { text: 'Hi <b onmouseover=alert(1)>there</b>', marker: 'onmouseover=' },
    { text: 'Hi <x title=">" onfocus = alert(1) autofocus tabindex=1>', marker: 'onfocus=' },
    { text: 'Hi <x/onclick=alert(1)>', marker: 'onclick=' },
    { text: '<a href="javascript:alert(1)">click</a>', marker: 'javascript:' },
    { text: '<a href=" java\tscript:alert(1)">click</a>', marker: 'javascript:' },
    { text: '[click](javascript:alert(1))', marker: 'javascript:' },
    { text: 'div { background: url(\'vbscript:x\') }', marker: 'vbscript:' },
    { text: '<?xml-stylesheet type="text/xsl" href="evil.xsl"?>', marker: '<?xml-stylesheet' },
  ])('finds $marker in $text', ({ text, marker }) => {
    expect(markerIn(text)).toBe(marker);
  });

  it.each([
    'Prices: a < b, and b > c; 1<2',
    'I <3 your service',
    'Dear <Kari Nordmann>, thanks',
    'id;note\n1;"<5 years"\n2;online=yes\n',
    'JavaScript: The Good Parts (JavaScript: a book)',
    'The <b>bold</b> part online = fine',
    'an <images> folder, a <bodyguard>, <scripts/>',
    'A SOAP log: <?xml version="1.0"?><soap:Envelope><soap:Body/></soap:Envelope>',
    'email: <ann@example.com>, <https://example.com/?a=1&b=2>',
  ])('leaves prose alone: %s', (text) => {
    expect(scan(text)).toEqual({});
  });

  it('finds a marker split across chunks at every offset', () => {
    const text = `${'Prose and more prose. '.repeat(20)}<IFRAME src=x> and <b onload=x>`;
    const at = text.indexOf('<IFRAME');
    for (let size = 1; size <= 16; size += 1) {
      expect(scan(text, size).markup).toEqual({ marker: '<iframe', at });
    }
    const handler = 'Hello <b\tonload\n=alert(1)>';
    for (let size = 1; size <= handler.length; size += 1) expect(markerIn(handler, size)).toBe('onload=');
  });

  it('reports the first problem by byte offset: markup before binary, binary before markup', () => {
    expect(scan('<script> then \u0000')).toEqual({ markup: { marker: '<script', at: 0 } });
    expect(scan('\u0000 then <script>')).toEqual({ notText: { at: 0, reason: 'binary' } });
    expect(scan(Buffer.from([0x61, 0xed, 0xa0, 0x80]))).toEqual({ notText: { at: 2, reason: 'utf8' } });
    expect(scan(Buffer.from([0x61, 0xc0, 0xaf]))).toEqual({ notText: { at: 1, reason: 'utf8' } });
    expect(scan('Blåbær, 😀, ✓\r\n\tok')).toEqual({});
  });
});
