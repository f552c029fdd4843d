import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'e2e/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Run sources as native ES modules (TypeScript through tsx's loader) instead of Vite's
    // module runner, whose getter-wrapped imports make the emulator ~25x slower in tests.
    execArgv: ['--import', 'tsx'],
    experimental: { viteModuleRunner: false },
  },
});
