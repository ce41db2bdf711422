/**
 * Public-key authentication as `ssh` does it: the ssh-agent's keys first, then the
 * identity files. With IdentitiesOnly, only agent keys that match an identity file are
 * offered. Encrypted identity files are used through the agent when it holds them, or
 * decrypted with a passphrase from the caller's provider (asked once per file per cache);
 * otherwise they are skipped and the failure message says how to fix it. Secrets
 * (passphrases, private keys) never reach the log.
 */
import { readFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import type { AgentAuthMethod, AnyAuthMethod, IdentityCallback, ParsedKey, PublicKeyAuthMethod, SignCallback, SigningRequestOptions } from 'ssh2';
import type { ResolvedHost } from './sshConfig.js';

const { BaseAgent, OpenSSHAgent, utils } = ssh2;

/** Asked for the passphrase of an encrypted identity file; undefined = skip the key. */
export type PassphraseProvider = (keyFile: string, context: { host: string }) => Promise<string | undefined>;

export interface LoadedIdentity {
  file: string;
  status: 'ok' | 'missing' | 'encrypted' | 'bad-passphrase' | 'invalid';
  /** The private key, when usable. */
  key?: ParsedKey;
  /** The public key blob (from the key, or from `file.pub` for an encrypted key). */
  publicBlob?: Buffer;
  detail?: string;
}

function parsedOne(k: ParsedKey | ParsedKey[] | Error): ParsedKey | Error {
  return Array.isArray(k) ? (k[0] ?? new Error('no key in file')) : k;
}

/**
 * The public key stored in clear inside an `openssh-key-v1` private key (encrypted or
 * not): magic, cipher, kdf, kdf options, key count, then the first public key blob.
 */
export function openSshPrivatePublicBlob(text: string): Buffer | undefined {
  const m = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(text);
  if (!m?.[1]) return undefined;
  const data = Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
  const magic = Buffer.from('openssh-key-v1\0', 'latin1');
  if (!data.subarray(0, magic.length).equals(magic)) return undefined;
  let pos = magic.length;
  const str = (): Buffer | undefined => {
    if (pos + 4 > data.length) return undefined;
    const len = data.readUInt32BE(pos);
    if (pos + 4 + len > data.length) return undefined;
    const out = data.subarray(pos + 4, pos + 4 + len);
    pos += 4 + len;
    return out;
  };
  if (!str() || !str() || !str()) return undefined; // cipher, kdf, kdf options
  if (pos + 4 > data.length || data.readUInt32BE(pos) < 1) return undefined;
  pos += 4;
  const blob = str();
  return blob && blob.length > 0 ? Buffer.from(blob) : undefined;
}

async function readPublicBlob(file: string, privateText: string): Promise<Buffer | undefined> {
  try {
    const parsed = parsedOne(utils.parseKey(await readFile(`${file}.pub`)) as ParsedKey | ParsedKey[] | Error);
    if (!(parsed instanceof Error)) return parsed.getPublicSSH();
  } catch {
    // no .pub beside the key
  }
  return openSshPrivatePublicBlob(privateText);
}

/** Decrypted identities shared by all connections of a pool: one passphrase prompt per file. */
export class IdentityCache {
  private readonly plain = new Map<string, Promise<LoadedIdentity>>();
  private readonly decrypted = new Map<string, Promise<LoadedIdentity>>();

  /** Reads and parses an identity file without a passphrase. */
  load(file: string): Promise<LoadedIdentity> {
    let p = this.plain.get(file);
    if (!p) {
      p = (async (): Promise<LoadedIdentity> => {
        let data: Buffer;
        try {
          data = await readFile(file);
        } catch (err) {
          return { file, status: 'missing', detail: (err as NodeJS.ErrnoException).code ?? String(err) };
        }
        const parsed = parsedOne(utils.parseKey(data) as ParsedKey | ParsedKey[] | Error);
        if (parsed instanceof Error) {
          if (/no passphrase given/i.test(parsed.message)) {
            const publicBlob = await readPublicBlob(file, data.toString('latin1'));
            return { file, status: 'encrypted', ...(publicBlob ? { publicBlob } : {}) };
          }
          return { file, status: 'invalid', detail: parsed.message };
        }
        if (!parsed.isPrivateKey()) return { file, status: 'invalid', detail: 'not a private key' };
        return { file, status: 'ok', key: parsed, publicBlob: parsed.getPublicSSH() };
      })();
      this.plain.set(file, p);
    }
    return p;
  }

  /** Decrypts an encrypted identity with a passphrase from the provider (once per file). */
  unlock(file: string, provider: PassphraseProvider, host: string): Promise<LoadedIdentity> {
    let p = this.decrypted.get(file);
    if (!p) {
      p = (async (): Promise<LoadedIdentity> => {
        const passphrase = await provider(file, { host });
        if (passphrase === undefined) return { file, status: 'encrypted' };
        const data = await readFile(file);
        const parsed = parsedOne(utils.parseKey(data, passphrase) as ParsedKey | ParsedKey[] | Error);
        if (parsed instanceof Error) return { file, status: 'bad-passphrase', detail: 'bad passphrase' };
        return { file, status: 'ok', key: parsed, publicBlob: parsed.getPublicSSH() };
      })();
      this.decrypted.set(file, p);
      // A cancelled prompt may be retried by a later connection.
      void p.then((r) => {
        if (r.status !== 'ok') this.decrypted.delete(file);
      });
    }
    return p;
  }
}

/** An agent that offers a fixed, pre-filtered list of the real agent's keys. */
class ListedAgent extends BaseAgent<ParsedKey> {
  constructor(
    private readonly inner: InstanceType<typeof OpenSSHAgent>,
    private readonly keys: ParsedKey[],
  ) {
    super();
  }

  getIdentities(cb: IdentityCallback<ParsedKey>): void {
    cb(null, this.keys);
  }

  sign(pubKey: ParsedKey, data: Buffer, options: SigningRequestOptions | SignCallback, cb?: SignCallback): void {
    if (typeof options === 'function') this.inner.sign(pubKey, data, options);
    else this.inner.sign(pubKey, data, options, cb);
  }
}

/** Lists the keys of the agent at socketPath (an error when it cannot be reached). */
export function agentIdentities(socketPath: string, timeoutMs = 5000): Promise<{ agent: InstanceType<typeof OpenSSHAgent>; keys: ParsedKey[] }> {
  const agent = new OpenSSHAgent(socketPath);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('ssh-agent did not answer')), timeoutMs);
    agent.getIdentities((err, keys) => {
      clearTimeout(timer);
      if (err) return reject(err);
      const parsed: ParsedKey[] = [];
      for (const k of keys ?? []) {
        const p = parsedOne(utils.parseKey(k as ParsedKey) as ParsedKey | ParsedKey[] | Error);
        if (!(p instanceof Error)) parsed.push(p);
      }
      resolve({ agent, keys: parsed });
    });
  });
}

export interface AuthPlan {
  methods: AnyAuthMethod[];
  /** Human-readable hints appended to a "Permission denied" message. */
  hints: string[];
  /** Short description of each method, in order (for debug lines, never secrets). */
  describe: string[];
}

export interface AuthOptions {
  /** Agent socket: undefined = IdentityAgent/SSH_AUTH_SOCK, null = no agent. */
  agentSocket?: string | null;
  passphrase?: PassphraseProvider;
  identities: IdentityCache;
  log?: (line: string) => void;
}

function tilde(file: string): string {
  const home = process.env.HOME;
  return home && file.startsWith(`${home}/`) ? `~${file.slice(home.length)}` : file;
}

/** Works out the ordered list of authentication attempts for a host. */
export async function planAuth(host: ResolvedHost, options: AuthOptions): Promise<AuthPlan> {
  const log = options.log;
  let socket: string | undefined;
  if (options.agentSocket === null) socket = undefined;
  else if (options.agentSocket !== undefined) socket = options.agentSocket;
  else if (host.identityAgent === 'none') socket = undefined;
  else socket = host.identityAgent ?? process.env.SSH_AUTH_SOCK;
  if (socket === '') socket = undefined;

  let agent: { agent: InstanceType<typeof OpenSSHAgent>; keys: ParsedKey[] } | undefined;
  if (socket) {
    try {
      agent = await agentIdentities(socket);
      log?.(`ssh-agent at ${socket} offers ${agent.keys.length} key(s)`);
    } catch (err) {
      log?.(`ssh-agent at ${socket} not usable: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  const loaded = await Promise.all(host.identityFiles.map((f) => options.identities.load(f)));
  const methods: AnyAuthMethod[] = [];
  const describe: string[] = [];
  const hints: string[] = [];
  const inAgent = (blob: Buffer | undefined) => blob !== undefined && agent !== undefined && agent.keys.some((k) => k.getPublicSSH().equals(blob));

  if (agent && agent.keys.length > 0) {
    const fileBlobs = loaded.map((l) => l.publicBlob).filter((b): b is Buffer => b !== undefined);
    const matching = fileBlobs.flatMap((b) => agent.keys.filter((k) => k.getPublicSSH().equals(b)));
    const others = host.identitiesOnly ? [] : agent.keys.filter((k) => !matching.includes(k));
    const keys = [...new Set([...matching, ...others])];
    if (keys.length > 0) {
      const m: AgentAuthMethod = { type: 'agent', username: host.user, agent: new ListedAgent(agent.agent, keys) };
      methods.push(m);
      describe.push(`ssh-agent (${keys.length} key(s))`);
    } else if (host.identitiesOnly) {
      log?.('IdentitiesOnly: none of the agent keys matches an identity file');
    }
  }

  for (const l of loaded) {
    let id = l;
    if (id.status === 'missing') {
      if (host.identityFilesExplicit) log?.(`identity file ${tilde(id.file)} not accessible: ${id.detail ?? ''}`);
      continue;
    }
    if (id.status === 'invalid') {
      log?.(`identity file ${tilde(id.file)} not usable: ${id.detail ?? ''}`);
      hints.push(`identity file ${tilde(id.file)} is not a usable private key (${id.detail ?? 'invalid'})`);
      continue;
    }
    if (id.status === 'encrypted') {
      if (inAgent(id.publicBlob)) continue; // the agent signs with it
      if (options.passphrase) id = await options.identities.unlock(id.file, options.passphrase, host.alias);
      if (id.status === 'bad-passphrase') {
        hints.push(`key ${tilde(id.file)}: bad passphrase`);
        continue;
      }
      if (id.status !== 'ok') {
        hints.push(
          agent
            ? `key ${tilde(id.file)} is encrypted and not loaded in the ssh-agent; run ssh-add ${tilde(id.file)}`
            : `key ${tilde(id.file)} is encrypted and no ssh-agent is running; run ssh-add ${tilde(id.file)}`,
        );
        continue;
      }
    }
    if (id.status !== 'ok' || !id.key) continue;
    if (inAgent(id.publicBlob)) continue; // already offered through the agent
    const m: PublicKeyAuthMethod = { type: 'publickey', username: host.user, key: id.key };
    methods.push(m);
    describe.push(`key ${tilde(id.file)}`);
  }

  if (methods.length === 0 && hints.length === 0) {
    const files = host.identityFiles.map(tilde).join(', ');
    hints.push(`no identities to offer: ${agent ? 'the ssh-agent holds no usable key' : 'no ssh-agent'} and no usable identity file (${files})`);
  }
  return { methods, hints, describe };
}
