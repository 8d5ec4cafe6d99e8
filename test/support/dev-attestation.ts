// The development attestation helpers live with the reference client (client/dev-attestation.ts).
export * from '../../client/dev-attestation';
