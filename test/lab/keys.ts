// A syntactically valid ssh-ed25519 public key built from fixed bytes, for configs in unit tests.
function sshString(data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, data]);
}

export function fakeEd25519PublicKey(seed = 1, comment = 'test@zonegate'): string {
  const blob = Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(Buffer.alloc(32, seed))]);
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`;
}
