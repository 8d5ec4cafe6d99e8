// The portable base64url and hex of src/crypto/base64url.ts (Node 20 has no Uint8Array.toBase64).
import { describe, expect, it } from 'vitest';
import { encodingCases } from '../support/encoding-cases';

describe('base64url and hex without native encodings (Node)', () => {
  it('runs where the platform has no Uint8Array.prototype.toBase64', () => {
    expect((Uint8Array.prototype as { toBase64?: unknown }).toBase64).toBeUndefined();
  });
  encodingCases();
});
