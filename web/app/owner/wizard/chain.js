// The wizard's few writes: the logo to POST /media, and transactions signed
// by the owner's key and submitted with wait (the answer comes once the
// block holding them is synced, or as the ledger's refusal). The seed stays
// in this page; only signatures and public keys leave it.
import { publicKeyOf, randomNonce } from '../../../lib/keys.js';
import { signTx } from '../../../lib/transaction.js';
import { mediaError } from './model.js';

// A transaction is good for ten minutes of the node's clock, as the CLI's
// (wallet-cli/session.h tx_ttl_s) and the cabinet's.
export const tx_life_s = 600n;

/** Signs `{ kind, body }` with `seed` and submits it with wait: tx.submit's answer. */
export function submitSigned(node, seed, { kind, body }) {
  const tx = { kind, signer: publicKeyOf(seed), nonce: randomNonce(), expiry_s: node.nowS() + tx_life_s, body };
  const { blob } = signTx(tx, seed, node.chainId);
  return node.client.submitTx(blob, { wait: true });
}

/** Thrown for an upload the node refused: `error` is the message to show. */
export class UploadError extends Error {
  constructor(error) {
    super(error.key);
    this.name = 'UploadError';
    this.error = error;
  }
}

/** Uploads an image file: resolves to its `/media/<hash>.<ext>` URL, or rejects with UploadError. */
export async function uploadLogo(file) {
  let response;
  try {
    response = await fetch('/media', {
      method: 'POST',
      headers: { 'Content-Type': file.type },
      body: file,
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    });
  } catch {
    throw new UploadError({ key: 'error.offline' });
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (response.ok && typeof body?.url === 'string' && body.url.startsWith('/media/')) return body.url;
  throw new UploadError(mediaError(response.status, body));
}
