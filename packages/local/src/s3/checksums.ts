import { createHash, type Hash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { ChecksumAlgorithm } from './types.ts';

/** An incremental digest of a body, fed chunk by chunk as it streams past. */
export interface Digest {
  update(chunk: Buffer): void;
  /** The digest as S3 encodes it: base64 of the big-endian bytes. */
  digestBase64(): string;
}

/** The algorithms S3 accepts in `x-amz-checksum-<algorithm>` / `x-amz-sdk-checksum-algorithm`. */
export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = [
  'CRC32',
  'CRC32C',
  'CRC64NVME',
  'SHA1',
  'SHA256',
];

/** The algorithm named by `name` (any case), or undefined. */
export function parseChecksumAlgorithm(name: string): ChecksumAlgorithm | undefined {
  const upper = name.toUpperCase();
  return CHECKSUM_ALGORITHMS.find((a) => a === upper);
}

/** A fresh digest for the algorithm. */
export function createDigest(algorithm: ChecksumAlgorithm): Digest {
  switch (algorithm) {
    case 'CRC32':
      return crc32Digest();
    case 'CRC32C':
      return tableCrc32Digest(CRC32C_TABLE);
    case 'CRC64NVME':
      return crc64NvmeDigest();
    case 'SHA1':
      return hashDigest(createHash('sha1'));
    case 'SHA256':
      return hashDigest(createHash('sha256'));
  }
}

function hashDigest(hash: Hash): Digest {
  return { update: (chunk) => void hash.update(chunk), digestBase64: () => hash.digest('base64') };
}

function uint32Base64(value: number): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0);
  return out.toString('base64');
}

// Node's zlib.crc32 is native and continues from a previous value.
function crc32Digest(): Digest {
  let value = 0;
  return {
    update(chunk) {
      value = crc32(chunk, value);
    },
    digestBase64: () => uint32Base64(value),
  };
}

function reflectedTable32(poly: number): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

const CRC32C_TABLE = reflectedTable32(0x82f63b78);

function tableCrc32Digest(table: Uint32Array): Digest {
  let crc = 0xffffffff;
  return {
    update(chunk) {
      for (let i = 0; i < chunk.length; i++) crc = table[(crc ^ chunk[i]!) & 0xff]! ^ (crc >>> 8);
    },
    digestBase64: () => uint32Base64(crc ^ 0xffffffff),
  };
}

// CRC-64/NVME (reflected polynomial 0x9a6c9329ac4bc9b5), kept as two 32-bit halves so the inner
// loop needs no BigInt.
const CRC64_LO = new Uint32Array(256);
const CRC64_HI = new Uint32Array(256);
{
  const poly = 0x9a6c9329ac4bc9b5n;
  for (let n = 0; n < 256; n++) {
    let c = BigInt(n);
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ poly : c >> 1n;
    CRC64_LO[n] = Number(c & 0xffffffffn);
    CRC64_HI[n] = Number(c >> 32n);
  }
}

function crc64NvmeDigest(): Digest {
  let lo = 0xffffffff;
  let hi = 0xffffffff;
  return {
    update(chunk) {
      for (let i = 0; i < chunk.length; i++) {
        const index = (lo ^ chunk[i]!) & 0xff;
        lo = (((lo >>> 8) | (hi << 24)) ^ CRC64_LO[index]!) >>> 0;
        hi = ((hi >>> 8) ^ CRC64_HI[index]!) >>> 0;
      }
    },
    digestBase64() {
      const out = Buffer.alloc(8);
      out.writeUInt32BE((hi ^ 0xffffffff) >>> 0, 0);
      out.writeUInt32BE((lo ^ 0xffffffff) >>> 0, 4);
      return out.toString('base64');
    },
  };
}
