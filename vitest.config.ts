import { defineConfig } from 'vitest/config';

/**
 * Three projects, chosen by the test file's name (README.md, "Development"):
 *   *.test.ts(x)      unit: no process, no socket (test/setup/unitGuard.ts fails any)
 *   *.int.test.ts     integration: real sshd, real git, other programs, the built binary;
 *                     the remote-layer files run twice, over the OpenSSH client and over
 *                     ssh2 (the transport konf ships)
 *   *.e2e.test.ts     e2e: the built console in tmux
 */
const INT = 'test/**/*.int.test.{ts,tsx}';
const E2E = 'test/**/*.e2e.test.{ts,tsx}';
/** Remote-layer suites that take their ExecChannel from test/helpers/channel.ts. */
const REMOTE = 'test/core/remote/*.int.test.ts';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // sshd fleets are real processes: keep parallel files bounded on 2-core machines.
    // Only the unit project runs in threads; vitest reads pool sizes from here, not from a project.
    poolOptions: { forks: { maxForks: 2, minForks: 1 }, threads: { maxThreads: 2, minThreads: 1, isolate: false } },
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.{ts,tsx}'],
          exclude: [INT, E2E],
          setupFiles: ['test/setup/unitGuard.ts'],
          pool: 'threads',
          isolate: false,
        },
      },
      {
        extends: true,
        test: { name: 'integration', include: [INT], env: { KONF_TEST_TRANSPORT: 'openssh' } },
      },
      {
        extends: true,
        test: { name: 'integration-ssh2', include: [REMOTE], env: { KONF_TEST_TRANSPORT: 'ssh2' } },
      },
      {
        extends: true,
        test: { name: 'e2e', include: [E2E] },
      },
    ],
  },
});
