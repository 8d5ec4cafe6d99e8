// RFC 4648 §10's test vectors for base64 (as base64url, unpadded) and for base16 (hex), with the
// bytes that differ between the two alphabets, run against src/crypto/base64url.ts both where the
// platform encodes natively (workerd: test/unit/crypto/secret-hash.test.ts) and where the portable
// code does (Node 20: test/node/encoding.test.ts).
import { expect, it } from 'vitest';
import { decodeBase64Url, encodeBase64Url, encodeHex } from '../../src/crypto/base64url';

const text = new TextEncoder();
const RFC4648: [string, string, string][] = [
  ['', '', ''],
  ['f', 'Zg', '66'],
  ['fo', 'Zm8', '666f'],
  ['foo', 'Zm9v', '666f6f'],
  ['foob', 'Zm9vYg', '666f6f62'],
  ['fooba', 'Zm9vYmE', '666f6f6261'],
  ['foobar', 'Zm9vYmFy', '666f6f626172'],
];

export function encodingCases(): void {
  it('encodes and decodes the RFC 4648 §10 vectors (base64url unpadded, hex lower case)', () => {
    for (const [plain, base64url, hex] of RFC4648) {
      expect(encodeBase64Url(text.encode(plain))).toBe(base64url);
      expect(encodeHex(text.encode(plain))).toBe(hex);
      expect(decodeBase64Url(base64url)).toEqual(text.encode(plain));
    }
    // Padding is optional when decoding.
    expect(decodeBase64Url('Zm8=')).toEqual(text.encode('fo'));
    expect(decodeBase64Url('Zg==')).toEqual(text.encode('f'));
  });

  it('uses the URL alphabet (- and _ for 62 and 63) and refuses anything else', () => {
    const bytes = new Uint8Array([0xfb, 0xff, 0xbf]);
    expect(encodeBase64Url(bytes)).toBe('-_-_');
    expect(decodeBase64Url('-_-_')).toEqual(bytes);
    for (const bad of ['+/+/', 'Zm9v YmFy', 'Z', 'Zm9vY', 'Zg===', 'Zg=a', '%%'])
      expect(decodeBase64Url(bad)).toBeNull();
  });
}
