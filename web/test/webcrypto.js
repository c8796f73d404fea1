// Node 18 (Debian 12's nodejs) has WebCrypto only as require('node:crypto')
// .webcrypto, not as globalThis.crypto, where noble's randomBytes looks for
// it (browsers and Node >= 19 have it). Import this first in a test file that
// generates keys, nonces or salts.
import { webcrypto } from 'node:crypto';

if (!globalThis.crypto) globalThis.crypto = webcrypto;
