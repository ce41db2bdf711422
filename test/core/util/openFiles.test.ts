import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { descriptorsNeeded, ensureOpenFiles, readOpenFileLimit } from '../../../src/core/util/openFiles.js';

describe('open-file limit check', () => {
  it('reads RLIMIT_NOFILE from /proc/self/limits', () => {
    const text = 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 524288               files\n';
    expect(readOpenFileLimit(text)).toEqual({ soft: 1024, hard: 524288 });
    expect(readOpenFileLimit('Max open files            unlimited            unlimited            files\n')).toEqual({ soft: Infinity, hard: Infinity });
    expect(readOpenFileLimit('nothing here')).toBeUndefined();
    expect(readOpenFileLimit()?.soft).toBeGreaterThan(0);
  });

  it('passes when the soft limit is enough, else explains the fix', () => {
    let limit = { soft: 4096, hard: 4096 };
    const opts = { read: () => limit };
    const need = descriptorsNeeded(1000, 16);
    expect(need).toBe(64 + 1000 + 64);
    expect(ensureOpenFiles(need, 'x', opts)).toEqual({ soft: 4096, hard: 4096 });
    limit = { soft: 1024, hard: 1024 };
    expect(() => ensureOpenFiles(need, 'a run over 1000 host(s)', opts)).toThrow(ConfigError);
    expect(() => ensureOpenFiles(need, 'a run over 1000 host(s)', opts)).toThrow(
      'a run over 1000 host(s) needs about 1128 open files (one connection per host), but the limit is 1024 (hard limit 1024): raise the hard limit',
    );
    limit = { soft: 1024, hard: 4096 };
    expect(() => ensureOpenFiles(need, 'x', opts)).toThrow(/run `ulimit -n 4096` first/);
  });
});
