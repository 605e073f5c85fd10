// OpenSSH public key lines as the config holds them: `TYPE BASE64 [COMMENT]`. A malformed key would
// make sshd skip the authorized_keys line silently, so it is refused when the config is read.

const KEY_TYPES = new Set([
  'ssh-ed25519',
  'sk-ssh-ed25519@openssh.com',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ecdsa-sha2-nistp256@openssh.com',
  'ssh-rsa',
]);

export interface PublicKeyParts {
  type: string;
  body: string;
  comment: string;
}

export function splitPublicKey(line: string): PublicKeyParts | undefined {
  const match = /^(\S+) ([A-Za-z0-9+/]+={0,2})(?: ([^\0-\x1f\x7f]*))?$/.exec(line.trim());
  if (!match) return undefined;
  return { type: match[1] ?? '', body: match[2] ?? '', comment: match[3] ?? '' };
}

/** A message saying what is wrong with a public key line, or undefined when it is well formed. */
export function validatePublicKey(line: string): string | undefined {
  const parts = splitPublicKey(line);
  if (!parts) return 'must be one OpenSSH public key line: TYPE BASE64 [COMMENT] (the contents of a .pub file)';
  if (!KEY_TYPES.has(parts.type)) return `unsupported key type ${JSON.stringify(parts.type)} (use ssh-ed25519)`;
  const blob = Buffer.from(parts.body, 'base64');
  // The blob starts with the key type as an SSH string: a 4-byte length, then the name.
  const length = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
  if (length !== parts.type.length || blob.subarray(4, 4 + length).toString('latin1') !== parts.type) {
    return `the base64 body is not a ${parts.type} key (damaged or truncated copy?)`;
  }
  if (parts.type === 'ssh-ed25519' && blob.length !== 51) return 'the ssh-ed25519 key body has the wrong length (damaged copy?)';
  return undefined;
}
