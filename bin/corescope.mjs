#!/usr/bin/env node
// The `corescope` command. The CLI is TypeScript; tsx compiles it on the fly (esbuild, cached),
// so `npx corescope` always runs the sources in this checkout.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/corescope.ts');
process.exitCode = await main(process.argv.slice(2));
